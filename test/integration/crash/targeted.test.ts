import { expect } from 'chai';

import { ownerTag } from '../../../operator/controllers/shared/naming.ts';
import { TEST_SETTINGS } from '../../../operator/openstack/settings.ts';
import { addFault } from '../../sim/helpers.ts';
import {
    machines,
    startHarness,
    tenants,
    until,
    waitCondition,
    waitGone,
    type Harness,
    type Obj,
} from '../controllers/harness.ts';
import { localCluster, requireCluster } from '../runtime/cluster.ts';
import { startApiProxy, type ApiProxy } from './api-proxy.ts';
import { committed, createsOf, deletedId, serverDeletes } from './call-log.ts';

/** Longer than the client's create timeout, so the commit comes after the client gave up. */
const COMMIT_AFTER_MS = TEST_SETTINGS.createTimeoutMs + 500;
/** The settle window: longer than the simulator's commit-after delay, as DESIGN.md requires. */
const SETTLE_MS = COMMIT_AFTER_MS + 1_000;
/** The observation's interval in the harness, plus a reconcile and a delete on a busy machine. */
const REAP_SLACK_MS = 1_000;

const POST_SERVERS = { service: 'compute', method: 'POST', path: '^/v2.1/servers$', count: 1 };

describe('crash consistency of the server create path, asserted on the call log', function () {
    this.timeout(120_000);
    const suffix = Date.now().toString(36);
    const ns = `crash-${suffix}`;
    const tenant = `crasht-${suffix}`;
    const minimal = { tenant, flavor: { name: 'm1.tiny' }, image: { name: 'cirros-0.6.2' } };
    let proxy: ApiProxy;
    let h: Harness;
    let vms: ReturnType<typeof machines>;
    let projectId: string;

    before(async function () {
        const kc = await localCluster();
        requireCluster(this, kc);
        proxy = await startApiProxy(kc);
        // No sweep pass runs during the suite: a duplicate can only be reaped on observation.
        const settings = { settleWindowMs: SETTLE_MS, sweepIntervalMs: 10 * 60_000 };
        h = await startHarness(proxy.kubeConfig, {}, { settings });
        vms = machines(h, ns);
        const t = tenants(h);
        await t.create(tenant, { guarantee: { instances: 12, cores: 12, ram: '12Gi' }, namespaces: [ns] });
        projectId = (await waitCondition(() => t.get(tenant), 'Ready', 'True')).status?.projectID as string;
    });

    after(async () => {
        const t = tenants(h);
        await t.remove(tenant).catch(() => undefined);
        await waitGone(() => t.get(tenant)).catch(() => undefined);
        await h.stop();
        await proxy.stop();
    });

    const uidOf = (obj: Obj) => obj.metadata.uid ?? '';
    const liveServers = async (obj: Obj) => {
        const scope = { kind: 'project', projectId } as const;
        const found = await h.cloud.nova.listServers(scope, { tags: [ownerTag(uidOf(obj))] });
        return found.filter((s) => s.status !== 'DELETED' && s.taskState !== 'deleting').map((s) => s.id);
    };
    const deletesOf = async (ids: string[]) =>
        (await serverDeletes(h.sim.url)).filter((c) => ids.includes(deletedId(c)));

    /** Creates `name`, waits until Ready, and checks the end state: one server, recorded, never deleted. */
    async function createAndCheck(name: string): Promise<{ ready: Obj; statuses: number[] }> {
        const created = await vms.create(name, minimal);
        const ready = await waitCondition(() => vms.get(name), 'Ready', 'True');
        const recorded = ready.status?.serverID as string;
        // A create committed late would show by now: the settle window is past the commit delay.
        await new Promise((r) => setTimeout(r, COMMIT_AFTER_MS));

        expect(await liveServers(created)).to.deep.equal([recorded]);
        expect(await deletesOf([recorded])).to.have.length(0);
        const creates = await createsOf(h.sim.url, uidOf(created));
        expect(creates.filter(committed)).to.have.length(1);
        return { ready, statuses: creates.map((c) => c.status) };
    }

    it('should create once when the POST fails before reaching Nova (transport error)', async () => {
        await addFault(h.sim, { ...POST_SERVERS, action: { kind: 'drop' } });
        const { statuses } = await createAndCheck('drop');
        // The dropped POST was ambiguous to the client: settled by tag, then created again.
        expect(statuses).to.deep.equal([0, 202]);
    });

    it('should create once when Nova answers the POST with a 5xx and commits nothing', async () => {
        await addFault(h.sim, { ...POST_SERVERS, action: { kind: 'error', status: 503 } });
        const { statuses } = await createAndCheck('err5xx');
        expect(statuses).to.deep.equal([503, 202]);
    });

    it('should adopt by tag, never POST again, when the committed create lost its answer', async () => {
        await addFault(h.sim, { ...POST_SERVERS, action: { kind: 'lostResponse' } });
        const { ready, statuses } = await createAndCheck('lost');
        expect(statuses).to.deep.equal([202]);
        expect(ready.status?.origin).to.equal('Created');
    });

    it('should adopt by tag a create committed after the client gave up', async () => {
        await addFault(h.sim, { ...POST_SERVERS, action: { kind: 'commitAfter', ms: COMMIT_AFTER_MS } });
        const started = Date.now();
        const { statuses } = await createAndCheck('late');
        expect(statuses).to.deep.equal([202]);
        // Adopted only once the settle window was over, never by a blind retry.
        expect(Date.now() - started).to.be.at.least(SETTLE_MS);
    });

    it('should keep one server when the status write recording it is refused after the POST', async () => {
        proxy.failServerRecord('refused', 3, 'refuse');
        const { statuses } = await createAndCheck('refused');
        expect(statuses).to.deep.equal([202]);
        expect(proxy.recordWrites('refused').failed).to.equal(3);
    });

    it('should keep one server when the status write recording it is applied but its answer lost', async () => {
        proxy.failServerRecord('unanswered', 1, 'loseAnswer');
        const { statuses } = await createAndCheck('unanswered');
        expect(statuses).to.deep.equal([202]);
        expect(proxy.recordWrites('unanswered').failed).to.equal(1);
    });

    it('should reap, one settle window after its commit, a duplicate committed past the window', async () => {
        // Beyond DESIGN.md's assumption: the create commits after the settle window, so the tag
        // lookup finds nothing, a second server is made and recorded, and the late one is the extra.
        // The lookup comes a settle window after the client gave up, so later than both.
        const late = TEST_SETTINGS.createTimeoutMs + SETTLE_MS + 2_000;
        await addFault(h.sim, { ...POST_SERVERS, action: { kind: 'commitAfter', ms: late } });
        const created = await vms.create('dup', minimal);
        const ready = await waitCondition(() => vms.get('dup'), 'Ready', 'True');
        const recorded = ready.status?.serverID as string;
        const creates = await until('the late create committed', async () => {
            const all = await createsOf(h.sim.url, uidOf(created));
            return all.filter(committed).length === 2 ? all : undefined;
        });
        const lateCommit = creates.find((c) => c.faults.includes('commitAfter'));
        const extra = [...h.sim.world.servers.values()].find(
            (s) => s.tags.has(ownerTag(uidOf(created))) && s.id !== recorded,
        );
        expect(extra, 'the duplicate').to.not.equal(undefined);

        const [reaped] = await until(
            'the duplicate reaped',
            async () => {
                const found = await deletesOf([extra?.id ?? '']);
                return found.length > 0 ? found : undefined;
            },
            3 * SETTLE_MS,
        );
        const lifetimeMs = Date.parse(reaped?.at ?? '') - Date.parse(lateCommit?.at ?? '');
        // Nova's `created` has whole seconds, so the window may end up to a second early.
        expect(lifetimeMs).to.be.within(SETTLE_MS - 1_000, SETTLE_MS + REAP_SLACK_MS);
        expect(await deletesOf([recorded])).to.have.length(0);
        expect((await vms.get('dup')).status?.serverID).to.equal(recorded);
        await until('one server left', async () => {
            const live = await liveServers(created);
            return live.length === 1 && live[0] === recorded ? true : undefined;
        });
    });
});
