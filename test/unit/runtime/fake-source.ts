import type { ListWatchSource, WatchEvent } from '../../../operator/runtime/informer.ts';
import type { KubeObject } from '../../../operator/runtime/kube-object.ts';

/** A list/watch source driven by the test: it serves `items` and exposes the open watch. */
export class FakeSource implements ListWatchSource {
    items: KubeObject[] = [];
    listVersion = '10';
    lists = 0;
    watches: string[] = [];
    stopped = 0;
    private onEvent: ((event: WatchEvent) => void) | undefined;
    private onDone: ((err: unknown) => void) | undefined;

    list() {
        this.lists++;
        return Promise.resolve({ items: [...this.items], resourceVersion: this.listVersion });
    }

    watch(resourceVersion: string, onEvent: (e: WatchEvent) => void, onDone: (err: unknown) => void) {
        this.watches.push(resourceVersion);
        this.onEvent = onEvent;
        this.onDone = onDone;
        return Promise.resolve({
            stop: () => {
                this.stopped++;
            },
        });
    }

    send(type: string, object: WatchEvent['object']): void {
        this.onEvent?.({ type, object });
    }

    end(err?: unknown): void {
        this.onDone?.(err);
    }
}
