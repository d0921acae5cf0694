// `make down`: stops what `make up` started — the operator, the simulator, then the local API server.
import { clusterStop, stopProcess } from './environment.ts';

async function main(): Promise<void> {
    const operator = await stopProcess('operator');
    const simulator = await stopProcess('simulator');
    clusterStop();
    const stopped = [operator ? 'operator' : '', simulator ? 'simulator' : ''].filter(Boolean);
    console.log(`down: ${[...stopped, 'API server and etcd'].join(', ')} stopped`);
}

main().catch((err: unknown) => {
    console.error(`make down failed: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
});
