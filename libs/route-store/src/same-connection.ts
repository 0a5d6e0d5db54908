import { type Binding, type NewBinding } from './route-store.js';

/** Whether a stored binding names the very connection a new binding offers (same gate process too). */
export function sameConnection(a: Binding, b: NewBinding): boolean {
  return a.gateId === b.gateId && a.gateBootId === b.gateBootId && a.connId === b.connId;
}
