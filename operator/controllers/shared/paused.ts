import type { KubeObject } from '../../runtime/kube-object.ts';

/** The annotation that stops every cloud action for one object (maintenance). */
export const PAUSED_ANNOTATION = 'bascule.io/paused';

/** Whether `obj` is paused: the annotation is present with any value other than "false". */
export function isPaused(obj: KubeObject & { metadata?: { annotations?: Record<string, string> } }): boolean {
    const value = obj.metadata?.annotations?.[PAUSED_ANNOTATION];
    return value !== undefined && value !== 'false';
}
