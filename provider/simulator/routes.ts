import { attachContainer, detachContainer } from "./attachments";
import { type JsonRecord, optionalString, recordField } from "./body";
import {
    CONTAINER_FILTERS,
    listContainers,
    renderContainerInspect,
    renderContainerSummary,
} from "./container-view";
import {
    createContainer,
    findContainer,
    parseEndpointRequest,
    removeContainer,
    requireRecord,
    startContainer,
    stopContainer,
} from "./containers";
import { LingeringSwitchError, pageNotFound } from "./errors";
import { consumeLingeringSwitchFailure } from "./hns";
import { parseFilters } from "./filters";
import type { EngineReply, EngineRequest } from "./http";
import type { HostState } from "./model";
import { renderNetwork } from "./network-view";
import {
    createNetwork,
    findNetwork,
    listNetworks,
    NETWORK_FILTERS,
    pruneNetworks,
    removeNetwork,
} from "./networks";
import { renderInfo, renderVersion } from "./system";

/** Route handler input: the state as read for this request, and a locked update. */
export interface RouteContext {
    snapshot: HostState;
    update<T>(mutate: (state: HostState) => T): Promise<T>;
}

type RouteHandler = (
    context: RouteContext,
    request: EngineRequest,
    params: string[],
) => EngineReply | Promise<EngineReply>;

interface Route {
    method: string;
    pattern: RegExp;
    handler: RouteHandler;
}

const ok = (json: unknown, status = 200): EngineReply => ({ status, json });

function body(request: EngineRequest): JsonRecord {
    return request.body === null ? {} : requireRecord(request.body);
}

function isTruthyQuery(value: string | null): boolean {
    return value !== null && value !== "" && value !== "0" && value.toLowerCase() !== "false";
}

const systemRoutes: Route[] = [
    { method: "GET", pattern: /^\/_ping$/, handler: () => ({ status: 200, text: "OK" }) },
    { method: "HEAD", pattern: /^\/_ping$/, handler: () => ({ status: 200 }) },
    { method: "GET", pattern: /^\/version$/, handler: (context) => ok(renderVersion(context.snapshot)) },
    { method: "GET", pattern: /^\/info$/, handler: (context) => ok(renderInfo(context.snapshot)) },
    {
        method: "GET",
        pattern: /^\/images\/json$/,
        handler: (context) =>
            ok(
                context.snapshot.images.map((image) => ({
                    Id: image.id,
                    RepoTags: image.repoTags,
                    Containers: -1,
                })),
            ),
    },
];

const networkRoutes: Route[] = [
    {
        method: "GET",
        pattern: /^\/networks$/,
        handler: (context, request) => {
            const filters = parseFilters(request.query.get("filters"), NETWORK_FILTERS);
            const networks = listNetworks(context.snapshot, filters);
            return ok(networks.map((network) => renderNetwork(context.snapshot, network, false)));
        },
    },
    {
        method: "POST",
        pattern: /^\/networks\/create$/,
        handler: async (context, request) => {
            try {
                return ok(await context.update((state) => createNetwork(state, body(request))), 201);
            } catch (error) {
                if (error instanceof LingeringSwitchError) {
                    await context.update((state) => consumeLingeringSwitchFailure(state, error.adapterName));
                }
                throw error;
            }
        },
    },
    {
        method: "POST",
        pattern: /^\/networks\/prune$/,
        handler: async (context, request) => {
            const filters = parseFilters(request.query.get("filters"), ["label", "until"]);
            const deleted = await context.update((state) => pruneNetworks(state, filters));
            return ok({ NetworksDeleted: deleted });
        },
    },
    {
        method: "GET",
        pattern: /^\/networks\/([^/]+)$/,
        handler: (context, _request, [term]) =>
            ok(renderNetwork(context.snapshot, findNetwork(context.snapshot, term), true)),
    },
    {
        method: "DELETE",
        pattern: /^\/networks\/([^/]+)$/,
        handler: async (context, _request, [term]) => {
            await context.update((state) => removeNetwork(state, term));
            return { status: 204 };
        },
    },
    {
        method: "POST",
        pattern: /^\/networks\/([^/]+)\/connect$/,
        handler: async (context, request, [term]) => {
            const payload = body(request);
            await context.update((state) => {
                const container = findContainer(state, optionalString(payload, "Container") ?? "");
                const network = findNetwork(state, term);
                attachContainer(
                    state,
                    container,
                    network,
                    parseEndpointRequest(recordField(payload, "EndpointConfig")),
                );
            });
            return { status: 200 };
        },
    },
    {
        method: "POST",
        pattern: /^\/networks\/([^/]+)\/disconnect$/,
        handler: async (context, request, [term]) => {
            const payload = body(request);
            await context.update((state) => {
                const container = findContainer(state, optionalString(payload, "Container") ?? "");
                detachContainer(state, container, findNetwork(state, term));
            });
            return { status: 200 };
        },
    },
];

const containerRoutes: Route[] = [
    {
        method: "POST",
        pattern: /^\/containers\/create$/,
        handler: async (context, request) => {
            const name = request.query.get("name");
            return ok(await context.update((state) => createContainer(state, name, body(request))), 201);
        },
    },
    {
        method: "GET",
        pattern: /^\/containers\/json$/,
        handler: (context, request) => {
            const filters = parseFilters(request.query.get("filters"), CONTAINER_FILTERS);
            const all = isTruthyQuery(request.query.get("all"));
            return ok(listContainers(context.snapshot, all, filters).map(renderContainerSummary));
        },
    },
    {
        method: "GET",
        pattern: /^\/containers\/([^/]+)\/json$/,
        handler: (context, _request, [term]) =>
            ok(renderContainerInspect(findContainer(context.snapshot, term))),
    },
    {
        method: "POST",
        pattern: /^\/containers\/([^/]+)\/start$/,
        handler: async (context, _request, [term]) => {
            const started = await context.update((state) => startContainer(state, term));
            return { status: started ? 204 : 304 };
        },
    },
    {
        method: "POST",
        pattern: /^\/containers\/([^/]+)\/stop$/,
        handler: async (context, _request, [term]) => {
            const stopped = await context.update((state) => stopContainer(state, term));
            return { status: stopped ? 204 : 304 };
        },
    },
    {
        method: "DELETE",
        pattern: /^\/containers\/([^/]+)$/,
        handler: async (context, request, [term]) => {
            const force = isTruthyQuery(request.query.get("force"));
            await context.update((state) => removeContainer(state, term, force));
            return { status: 204 };
        },
    },
];

const ROUTES: Route[] = [...systemRoutes, ...networkRoutes, ...containerRoutes];

/** Runs the route matching the request; anything else is the engine's 404 "page not found". */
export async function dispatch(context: RouteContext, request: EngineRequest): Promise<EngineReply> {
    for (const route of ROUTES) {
        const match = route.method === request.method ? route.pattern.exec(request.path) : null;
        if (match !== null) {
            const params = match.slice(1).map((param) => decodeURIComponent(param));
            return route.handler(context, request, params);
        }
    }
    throw pageNotFound();
}
