import { KubeConfig, type RequestContext } from '@kubernetes/client-node';

type Dispatcher = NonNullable<ReturnType<RequestContext['getDispatcher']>>;

/**
 * A KubeConfig whose API calls share one connection pool. @kubernetes/client-node 2.0 builds a new
 * undici Agent for every request, so every call opened (and the API server accepted) a fresh TLS
 * connection: at a few hundred calls a second, TLS handshakes were the local API server's largest
 * cost (measured with its CPU profile during the demo). The first request's dispatcher is kept and
 * handed to every later one; credentials sent as headers (tokens) are still applied per request.
 */
export class PooledKubeConfig extends KubeConfig {
    private dispatcher: Dispatcher | undefined;

    override async applySecurityAuthentication(context: RequestContext): Promise<void> {
        await super.applySecurityAuthentication(context);
        const made = context.getDispatcher();
        if (made === undefined) return;
        this.dispatcher ??= made;
        context.setDispatcher(this.dispatcher);
    }
}
