// The manifests of config/ as the tests read them: config/default built by `kubectl kustomize`
// (once per run), and the YAML and JSON files kept outside it.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';

import { loadAll } from 'js-yaml';

export const repoRoot = resolve(import.meta.dirname, '../../..');

/** The namespace config/default installs into (also the operator's default Lease namespace). */
export const NAMESPACE = 'bascule-system';

/** Any Kubernetes object, as far as these tests read it. */
export interface Manifest {
    apiVersion: string;
    kind: string;
    metadata: {
        name: string;
        namespace?: string;
        labels?: Record<string, string>;
        annotations?: Record<string, string>;
    };
    [field: string]: unknown;
}

let built: Manifest[] | undefined;

/** The objects `kubectl kustomize config/default` prints; throws a clear error without kubectl. */
export function buildDefault(): Manifest[] {
    built ??= kustomize(resolve(repoRoot, 'config/default'));
    return built;
}

/** config/without-prometheus-operator, built with kubectl's kustomize. */
export function buildWithoutPrometheusOperator(): Manifest[] {
    return kustomize(resolve(repoRoot, 'config/without-prometheus-operator'));
}

function kustomize(dir: string): Manifest[] {
    const run = spawnSync('kubectl', ['kustomize', dir], { encoding: 'utf8', maxBuffer: 64 << 20 });
    if (run.error !== undefined) {
        const missing = (run.error as NodeJS.ErrnoException).code === 'ENOENT';
        throw new Error(
            missing
                ? 'kubectl is not on PATH: these tests build config/default with `kubectl kustomize`'
                : `kubectl kustomize could not run: ${run.error.message}`,
        );
    }
    if (run.status !== 0) throw new Error(`kubectl kustomize ${dir} failed:\n${run.stderr}`);
    return loadAll(run.stdout).filter((doc) => doc !== null) as Manifest[];
}

/** The YAML documents of a file under the repository root. */
export function readYaml(path: string): Manifest[] {
    return loadAll(readFileSync(resolve(repoRoot, path), 'utf8')).filter((doc) => doc !== null) as Manifest[];
}

/** The one object of `kind` named `name`; throws when there is not exactly one. */
export function find(objects: readonly Manifest[], kind: string, name: string): Manifest {
    const matches = objects.filter((o) => o.kind === kind && o.metadata.name === name);
    const [match] = matches;
    if (match === undefined || matches.length > 1) {
        throw new Error(`expected one ${kind} ${name}, found ${matches.length}`);
    }
    return match;
}
