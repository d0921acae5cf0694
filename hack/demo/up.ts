// `make up`: the demo's environment in the background, to explore with kubectl and openstack — the
// local API server, the simulator (the demo cloud) and the operator, with the CRDs and the sample
// Tenants and ElasticPools applied. `make down` stops all of it.
import { writeFileSync } from 'node:fs';

import {
    applyFiles,
    CLUSTER_MARKER,
    CLOUDS_YAML,
    clusterStart,
    clusterUp,
    DEMO_LATENCY_SCALE,
    installCrds,
    kubeConfig,
    KUBECONFIG,
    operatorArgs,
    PROBE_ADDRESS,
    ROOT,
    running,
    SIM_PORT,
    startProcess,
    waitHttp,
} from './environment.ts';

async function main(): Promise<void> {
    if (running('operator') || running('simulator')) {
        console.log('already up (make down stops it)');
        return;
    }
    // make down stops the API server only if make up started it: one that was up stays up.
    const started = !clusterUp();
    if (started) {
        clusterStart();
        writeFileSync(CLUSTER_MARKER, `${new Date().toISOString()}\n`);
    }
    const kc = kubeConfig();
    await installCrds(kc);

    const simArgs = [`${ROOT}/hack/openstack-sim/main.ts`, '--port', String(SIM_PORT)];
    startProcess('simulator', [...simArgs, '--latency-scale', String(DEMO_LATENCY_SCALE)], true);
    await waitHttp(`http://127.0.0.1:${String(SIM_PORT)}/identity/v3`, 'the simulator', 30_000, 'simulator');

    startProcess('operator', operatorArgs(), true);
    await waitHttp(`http://${PROBE_ADDRESS}/readyz`, 'the operator', 60_000, 'operator');
    await applyFiles(kc, ['config/samples/demo/tenants.yaml', 'config/samples/demo/elasticpools.yaml']);

    const cluster = started ? 'API server, etcd' : 'the API server already up';
    console.log(`up: ${cluster}, simulator (:${String(SIM_PORT)}) and operator; samples applied.
  export KUBECONFIG=${KUBECONFIG}
  kubectl get bascule -A
  kubectl scale elasticpool analytics-batch -n analytics --replicas=1000
  OS_CLIENT_CONFIG_FILE=${CLOUDS_YAML} openstack --os-cloud bascule-sim server list --all-projects --limit -1
logs in .local/logs/; make down stops everything.`);
}

main().catch((err: unknown) => {
    console.error(`make up failed: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
});
