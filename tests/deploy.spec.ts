import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError, loadConfig } from '@switchboard/config';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments, parse } from 'yaml';

// No Docker engine or cluster runs here, so these tests check what can be checked without one:
// every container runs an app that exists, and its SWITCHBOARD_* settings load and validate.
const root = join(import.meta.dirname, '..');

function appOf(command: unknown): string {
  const args = command as string[];
  const entry = args.find((a) => a.startsWith('dist/apps/'));
  const app = /^dist\/apps\/([^/]+)\/main\.js$/.exec(entry ?? '')?.[1];
  if (!app) throw new Error(`unexpected command ${JSON.stringify(command)}`);
  return app;
}

function expectValidConfig(env: Record<string, string>, where: string): void {
  expect(() => loadConfig({ cwd: root, env }), where).not.toThrow();
}

/** Stands in for the internal secret an operator provides (SWITCHBOARD_INTERNAL__SECRET). */
const INTERNAL_SECRET = 'deploy-spec-internal-secret-0123456789';

/** What compose does with `${VAR:?message}`: the operator's value, here the stand-in. */
function interpolate(env: Record<string, string>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(env).map(([k, v]) => [
      k,
      v.replace(/\$\{SWITCHBOARD_INTERNAL__SECRET:\?[^}]*\}/, INTERNAL_SECRET),
    ]),
  );
}

describe('docker-compose.yml', () => {
  const compose = parse(readFileSync(join(root, 'docker-compose.yml'), 'utf8'), { merge: true }) as {
    services: Record<string, { command?: string[]; environment?: Record<string, string>; image?: string }>;
  };

  it('runs each Switchboard app that exists, with settings that validate', () => {
    const apps = Object.entries(compose.services).filter(([, s]) => s.image === 'switchboard:latest');
    expect(apps.map(([name]) => name).sort()).toEqual(['logic', 'route', 'tcp-conn', 'ws-conn']);
    for (const [name, service] of apps) {
      const app = appOf(service.command);
      expect(existsSync(join(root, `apps/${app}/src/main.ts`)), name).toBe(true);
      expectValidConfig(interpolate(service.environment ?? {}), `compose service ${name}`);
    }
  });

  it('takes the internal secret from the environment, required, never a value in the file', () => {
    for (const [name, service] of Object.entries(compose.services)) {
      if (service.image !== 'switchboard:latest') continue;
      expect(service.environment?.['SWITCHBOARD_INTERNAL__SECRET'], name).toMatch(
        /^\$\{SWITCHBOARD_INTERNAL__SECRET:\?.+\}$/,
      );
    }
  });

  it('starts MariaDB sized for sustained sends, the sizes the operations guide names', () => {
    // A stock MariaDB (128 MiB buffer pool, 96 MiB redo log, io_capacity 200) makes every write wait
    // for page flushing after half a minute of a few thousand sends a second (docs/benchmarks.md).
    const flags = compose.services['mysql']?.command ?? [];
    const operations = readFileSync(join(root, 'docs/operations.md'), 'utf8');
    for (const name of [
      'innodb-buffer-pool-size',
      'innodb-log-file-size',
      'innodb-io-capacity',
      'innodb-io-capacity-max',
    ]) {
      const flag = flags.find((f) => f.startsWith(`--${name}=`));
      expect(flag, name).toBeDefined();
      // Overridable from the environment, with a default larger than the stock one.
      expect(flag, name).toMatch(/^--[a-z-]+=\$\{MARIADB_[A-Z_]+:-\d+[KMG]?\}$/);
      expect(operations, name).toContain(name.replaceAll('-', '_'));
    }
  });

  it('publishes client ports and the business API only, never an internal gRPC or health port', () => {
    const published = Object.values(compose.services).flatMap((s) => (s as { ports?: string[] }).ports ?? []);
    expect(published.sort()).toEqual(['7100:7100', '7200:7200', '7700:7700', '7800:7800']);
  });
});

describe('deploy/k8s', () => {
  const dir = join(root, 'deploy/k8s');
  const docs = readdirSync(dir)
    .filter((f) => f.endsWith('.yaml'))
    .flatMap((f) =>
      parseAllDocuments(readFileSync(join(dir, f), 'utf8')).map((d) => ({ file: f, doc: d.toJS() })),
    );
  const exampleSecret = docs.find((d) => d.doc?.kind === 'Secret')?.doc.stringData as Record<string, string>;
  /** The example Secret as an operator fills it in. */
  const secret = { ...exampleSecret, SWITCHBOARD_INTERNAL__SECRET: INTERNAL_SECRET };

  it('has pods refuse to start with the example Secret unchanged (its internal secret is a placeholder)', () => {
    expect(exampleSecret['SWITCHBOARD_INTERNAL__SECRET']).toBe('CHANGE_ME');
    const env = { ...exampleSecret, SWITCHBOARD_PROFILE: 'production' };
    expect(() => loadConfig({ cwd: root, env })).toThrow(ConfigError);
    expect(() => loadConfig({ cwd: root, env })).toThrow(/internal\.secret: expected every secret/);
  });

  it('has a Deployment per app, each running an app that exists with settings that validate', () => {
    const deployments = docs.filter((d) => d.doc?.kind === 'Deployment');
    expect(deployments.map((d) => d.doc.metadata.name).sort()).toEqual([
      'logic',
      'route',
      'tcp-conn',
      'ws-conn',
    ]);
    for (const { file, doc } of deployments) {
      const container = doc.spec.template.spec.containers[0];
      const app = appOf(container.command);
      expect(existsSync(join(root, `apps/${app}/src/main.ts`)), file).toBe(true);
      const env: Record<string, string> = { ...secret };
      for (const e of container.env as Array<{ name: string; value?: string }>) {
        // Stand-ins for the values Kubernetes fills from the pod.
        if (e.value !== undefined)
          env[e.name] = e.value.replace('$(POD_IP)', '10.0.0.7').replace('$(POD_NAME)', `${app}-0`);
      }
      expectValidConfig(env, file);
      const probePort = container.readinessProbe.httpGet.port as number;
      const config = loadConfig({ cwd: root, env });
      const healthPorts: Record<string, number> = {
        logic: config.logic.httpPort,
        route: config.route.health.port,
        'tcp-conn': config.gate.health.port,
        'ws-conn': config.gate.health.port,
      };
      expect(probePort, `${file} probes the health port`).toBe(healthPorts[app]);
    }
  });

  it('selects every Deployment with a Service', () => {
    const services = docs
      .filter((d) => d.doc?.kind === 'Service')
      .map((d) => d.doc.spec.selector['app.kubernetes.io/name']);
    // logic twice: the headless internal service and the business API's logic-api.
    expect(services.sort()).toEqual(['logic', 'logic', 'route', 'tcp-conn', 'ws-conn']);
  });

  it('makes logic and route headless, and has clients resolve every pod behind them', () => {
    for (const name of ['logic', 'route']) {
      const service = docs.find((d) => d.doc?.kind === 'Service' && d.doc.metadata.name === name);
      expect(service?.doc.spec.clusterIP, `${name} Service`).toBe('None');
    }
    for (const { file, doc } of docs.filter((d) => d.doc?.kind === 'Deployment')) {
      const env = doc.spec.template.spec.containers[0].env as Array<{ name: string; value?: string }>;
      const value = (name: string) => env.find((e) => e.name === name)?.value;
      expect(value('SWITCHBOARD_GATE_CLIENT__LOGIC_ADDRESS'), file).toBe('dns:///logic:7500');
      expect(value('SWITCHBOARD_GATE_CLIENT__ROUTE_ADDRESS'), file).toBe('dns:///route:7400');
      expect(value('SWITCHBOARD_LOGIC__ROUTE_ADDRESS'), file).toBe('dns:///route:7400');
    }
  });

  describe('NetworkPolicies', () => {
    type Peer = {
      podSelector?: {
        matchLabels?: Record<string, string>;
        matchExpressions?: Array<{ key: string; operator: string; values: string[] }>;
      };
    };
    type Rule = { from?: Peer[]; ports?: Array<{ port: number }> };
    const policies = docs.filter((d) => d.doc?.kind === 'NetworkPolicy').map((d) => d.doc);
    const NAME = 'app.kubernetes.io/name';
    /** The pod names a peer selects (from the suite's own labels); `*` for any source. */
    const selected = (peer: Peer): string[] => {
      const labels = peer.podSelector?.matchLabels ?? {};
      const expressions = peer.podSelector?.matchExpressions ?? [];
      expect(Object.keys(labels).every((k) => k === NAME)).toBe(true);
      expect(expressions.every((e) => e.key === NAME && e.operator === 'In')).toBe(true);
      return [...(labels[NAME] ? [labels[NAME]] : []), ...expressions.flatMap((e) => e.values)];
    };
    /** Who may reach `port` of the `app` pods: '*' (anyone) or the apps allowed. */
    const allowed = (app: string, port: number): string[] | '*' | undefined => {
      let result: string[] | '*' | undefined;
      for (const p of policies.filter((p) => p.spec.podSelector?.matchLabels?.[NAME] === app)) {
        for (const rule of (p.spec.ingress ?? []) as Rule[]) {
          if (!(rule.ports ?? []).some((x) => x.port === port)) continue;
          if (!rule.from) return '*';
          result = [
            ...(result === '*' || result === undefined ? [] : result),
            ...rule.from.flatMap(selected),
          ];
        }
      }
      return Array.isArray(result) ? [...new Set(result)].sort() : result;
    };

    it('denies ingress to every pod of the namespace unless a policy allows it', () => {
      const deny = policies.find((p) => Object.keys(p.spec.podSelector ?? {}).length === 0);
      expect(deny?.spec).toMatchObject({ policyTypes: ['Ingress'] });
      expect(deny?.spec.ingress).toBeUndefined();
    });

    it('opens internal gRPC only to the suite pods that call it, client and health ports to all', () => {
      expect(allowed('logic', 7500)).toEqual(['tcp-conn', 'ws-conn']);
      expect(allowed('route', 7400)).toEqual(['logic', 'tcp-conn', 'ws-conn']);
      expect(allowed('tcp-conn', 7300)).toEqual(['route']);
      expect(allowed('ws-conn', 7300)).toEqual(['route']);
      expect(allowed('tcp-conn', 7100)).toBe('*');
      expect(allowed('ws-conn', 7200)).toBe('*');
      // The business API: open to the app's servers, which authenticate with API keys.
      expect(allowed('logic', 7700)).toBe('*');
      expect(allowed('logic', 7800)).toBe('*');
      for (const [app, port] of [
        ['logic', 7600],
        ['route', 7410],
        ['tcp-conn', 7310],
        ['ws-conn', 7310],
      ] as const) {
        expect(allowed(app, port), `${app} health`).toBe('*');
      }
    });

    it('selects pods by the labels the Deployments give them, and covers every port they open', () => {
      for (const { doc } of docs.filter((d) => d.doc?.kind === 'Deployment')) {
        const name = doc.spec.template.metadata.labels[NAME] as string;
        expect(name).toBe(doc.metadata.name);
        const ports = (doc.spec.template.spec.containers[0].ports as Array<{ containerPort: number }>).map(
          (p) => p.containerPort,
        );
        for (const port of ports) expect(allowed(name, port), `${name}:${port}`).toBeDefined();
      }
    });
  });
});
