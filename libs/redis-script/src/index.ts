export { luaScript, runScript, type LuaScript, type ScriptClient } from './redis-script.js';
