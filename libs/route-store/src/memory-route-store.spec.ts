import { MemoryRouteStore } from './memory-route-store.js';
import { routeStoreContract } from './route-store.contract.js';

routeStoreContract('memory', async (clock) => ({ store: new MemoryRouteStore({ clock }) }));
