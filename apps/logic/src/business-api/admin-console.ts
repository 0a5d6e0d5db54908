import { loadWebApp, type WebAsset, type WebApp } from './web-assets.js';

/** Where the business HTTP API serves the admin console (static files; data comes from `/v1/`). */
export const ADMIN_PATH = '/admin/';

/** One file of the console, ready to send. */
export type AdminAsset = WebAsset;

/**
 * The console's pages talk to this origin only and run no inline script: what a stolen page or an
 * id crafted as markup could do is bounded even if some text ever reached the DOM as HTML.
 */
export const ADMIN_CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; form-action 'none'; frame-ancestors 'none'; base-uri 'none'";

/** `web/admin-console`. */
export const ADMIN_CONSOLE: WebApp = {
  dir: 'admin-console',
  script: 'console.js',
  stylesheet: 'console.css',
};

/** The console's files (see {@link loadWebApp}); undefined when missing. */
export function loadAdminConsole(): Promise<Map<string, AdminAsset> | undefined> {
  return loadWebApp(ADMIN_CONSOLE);
}
