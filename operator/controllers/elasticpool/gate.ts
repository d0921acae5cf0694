/** A pool's wish to grow: unshelve or create `wanted` machines of one flavor. */
export interface GrowthRequest {
    tenant: string;
    /** namespace/name */
    pool: string;
    /** template.spec.flavor's name or ID, as written. */
    flavor: string;
    wanted: number;
}

/** How much of a growth request may go ahead now. */
export interface GrowthAdmission {
    admitted: number;
    /** CamelCase, such as QuotaNotApplied, CapacityNotFreed or NoHost. */
    reason?: string;
    message?: string;
}

/**
 * ARBITER.md's "Order of effects": no create or unshelve before the tenant's quota is applied and the
 * freed capacity is observed. The pool controller asks before every growth and does only what is
 * admitted (unshelves first, then creates).
 */
export interface CapacityGate {
    admit(request: GrowthRequest, signal: AbortSignal): Promise<GrowthAdmission>;
}

/** A gate that admits everything: for tests and for a cloud without arbitration. */
export const OPEN_GATE: CapacityGate = {
    admit: (request) => Promise.resolve({ admitted: request.wanted }),
};
