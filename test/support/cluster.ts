// Access to the local API server that `make cluster-up` starts, for tests whose
// subject is the API server's own behaviour (validation, defaulting, apply).
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { promisify } from 'node:util';

import {
    ApiException,
    KubeConfig,
    KubernetesObjectApi,
    type KubernetesObject,
} from '@kubernetes/client-node';

const run = promisify(execFile);

export const repoRoot = resolve(import.meta.dirname, '../..');

/** The kubeconfig tests use: $KUBECONFIG, else the one `make cluster-up` writes. */
export function kubeconfigPath(): string {
    const path = process.env.KUBECONFIG ?? resolve(repoRoot, '.local/kubeconfig');
    if (!existsSync(path)) {
        throw new Error(`no kubeconfig at ${path}: run 'make cluster-up' first`);
    }
    return path;
}

export function objectApi(): KubernetesObjectApi {
    const config = new KubeConfig();
    config.loadFromFile(kubeconfigPath());
    return KubernetesObjectApi.makeApiClient(config);
}

export interface KubectlResult {
    stdout: string;
    stderr: string;
}

/** Runs kubectl against the local API server; rejects with kubectl's stderr. */
export async function kubectl(args: string[]): Promise<KubectlResult> {
    try {
        return await run('kubectl', ['--kubeconfig', kubeconfigPath(), ...args], {
            cwd: repoRoot,
            maxBuffer: 16 * 1024 * 1024,
        });
    } catch (error) {
        const stderr = (error as { stderr?: string }).stderr ?? String(error);
        throw new Error(`kubectl ${args.join(' ')} failed: ${stderr.trim()}`, { cause: error });
    }
}

/**
 * Installs the CRDs from crds/ and waits until the API server serves them. The tests
 * take the CRDs over from whoever applied them before (a person, by hand): the local
 * API server is theirs, and the CRDs must be this checkout's.
 */
export async function installCrds(): Promise<void> {
    await kubectl([
        'apply',
        '--server-side',
        '--force-conflicts',
        '--field-manager=bascule-tests',
        '-f',
        'crds/',
    ]);
    await kubectl([
        'wait',
        '--for=condition=Established',
        '--timeout=30s',
        'crd/tenants.bascule.io',
        'crd/virtualmachines.bascule.io',
        'crd/elasticpools.bascule.io',
    ]);
}

/** A name unique to this test run, so runs never see each other's objects. */
export function uniqueName(prefix: string): string {
    return `${prefix}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 6)}`;
}

/** The API server's message for a refused request, or the error itself. */
export function refusal(error: unknown): { code: number; message: string } {
    if (error instanceof ApiException) {
        const body: unknown = typeof error.body === 'string' ? JSON.parse(error.body) : error.body;
        const message = (body as { message?: string } | undefined)?.message ?? error.message;
        return { code: error.code, message };
    }
    throw error;
}

export type Obj = KubernetesObject & { spec?: Record<string, unknown> };
