// Runs `npm start`'s command as a child process, against a simulator the test started in-process.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

import { cloudsYaml } from '../../../hack/openstack-sim/clouds-yaml.ts';
import type { Simulator } from '../../../hack/openstack-sim/server.ts';
import { testConfig } from '../../sim/helpers.ts';

const REPO = resolve(import.meta.dirname, '../../..');

const tempDirs = new Set<string>();

/**
 * Writes a clouds.yaml (cloud `bascule-sim`) for `sim` into a fresh temporary directory, which
 * removeOperatorFiles() deletes.
 */
export function writeSimCloudsYaml(sim: Simulator): string {
    const dir = mkdtempSync(join(tmpdir(), 'bascule-op-'));
    tempDirs.add(dir);
    const path = join(dir, 'clouds.yaml');
    writeFileSync(path, cloudsYaml(testConfig(), sim.url), { mode: 0o600 });
    return path;
}

/** Deletes every directory writeSimCloudsYaml made; returns them, so a test can check they are gone. */
export function removeOperatorFiles(): string[] {
    const removed = [...tempDirs];
    for (const dir of removed) rmSync(dir, { recursive: true, force: true });
    tempDirs.clear();
    return removed;
}

/** A port free on loopback right now. */
export async function freePort(): Promise<number> {
    const server = createServer();
    await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
    const address = server.address();
    await new Promise((ok) => server.close(ok));
    return typeof address === 'object' && address !== null ? address.port : 0;
}

export interface OperatorProcess {
    child: ChildProcess;
    /** Resolves with the identity from the "Operator started" line. */
    identity: Promise<string>;
    /** Resolves once a line with `message` has been logged. */
    logged(message: string): Promise<void>;
    exit: Promise<number | null>;
    stdout: string[];
    stderr: string[];
}

/** Spawns the operator with `args` (after the cloud flags for `cloudsYamlPath`) and extra `env`. */
export function startOperator(
    cloudsYamlPath: string,
    args: string[],
    env: Record<string, string> = {},
): OperatorProcess {
    const flags = ['--clouds-yaml', cloudsYamlPath, '--cloud', 'bascule-sim'];
    const child = spawn(process.execPath, ['operator/main.ts', ...flags, ...args], {
        cwd: REPO,
        env: { ...process.env, ...env },
        stdio: ['ignore', 'pipe', 'pipe'],
    });
    const stdout: string[] = [];
    const stderr: string[] = [];
    const waiters: { message: string; resolve: () => void }[] = [];
    const seen = (message: string) => stdout.some((line) => line.includes(`"message":"${message}"`));
    child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk.toString()));
    let partial = '';
    child.stdout.on('data', (chunk: Buffer) => {
        const lines = `${partial}${chunk.toString()}`.split('\n');
        partial = lines.pop() ?? '';
        stdout.push(...lines.filter(Boolean));
        for (const w of waiters) if (seen(w.message)) w.resolve();
    });

    const logged = (message: string) =>
        new Promise<void>((ok) => {
            if (seen(message)) ok();
            else waiters.push({ message, resolve: ok });
        });
    const identity = logged('Operator started').then(() => {
        const line = stdout.find((l) => l.includes('"message":"Operator started"')) ?? '';
        return /"identity":"([^"]+)"/.exec(line)?.[1] ?? '';
    });
    const exit = new Promise<number | null>((ok) => child.on('exit', ok));
    return { child, identity, logged, exit, stdout, stderr };
}
