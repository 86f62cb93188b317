// Typed, promise-based calls to a resource provider over gRPC with the request fields the engine sets
// (Go SDK `sdk/go/common/resource/plugin/provider_plugin.go`). Property maps go in and come out in wire form.
import * as grpc from "@grpc/grpc-js";
import * as emptyproto from "google-protobuf/google/protobuf/empty_pb";
import * as structproto from "google-protobuf/google/protobuf/struct_pb";
import * as plugproto from "@pulumi/pulumi/proto/plugin_pb";
import * as provrpc from "@pulumi/pulumi/proto/provider_grpc_pb";
import * as provproto from "@pulumi/pulumi/proto/provider_pb";
import * as statusproto from "@pulumi/pulumi/proto/status_pb";

import { PropertyMap } from "./types";

const INIT_FAILED_TYPE = "pulumirpc.ErrorResourceInitFailed";

/** The `changes` field of a Diff response (`DiffChanges`) as a word. */
export type DiffChanges = "some" | "none" | "unknown";

export interface ResourceRef {
    urn: string;
    name: string;
    type: string;
}

export interface CheckResult {
    inputs: PropertyMap;
    failures: Array<{ property: string; reason: string }>;
}

export interface DiffResult {
    changes: DiffChanges;
    replaces: string[];
    deleteBeforeReplace: boolean;
    diffs: string[];
}

export interface ReadResult {
    id: string;
    properties: PropertyMap;
    /** Present only when the provider's `read` returned `inputs`. */
    inputs?: PropertyMap;
}

/** Contents of `ErrorResourceInitFailed`: the object exists but did not finish initializing. */
export interface InitFailure {
    id: string;
    properties: PropertyMap;
    reasons: string[];
}

/** A failed provider call; `initFailure` is set when the provider reported a partially created object. */
export class ProviderCallError extends Error {
    constructor(
        message: string,
        public readonly code: grpc.status | undefined,
        public readonly initFailure?: InitFailure,
    ) {
        super(message);
        this.name = "ProviderCallError";
    }
}

type UnaryMethod<Request, Response> = (
    request: Request,
    callback: (error: grpc.ServiceError | null, response: Response) => void,
) => grpc.ClientUnaryCall;

export class ProviderClient {
    private readonly client: provrpc.ResourceProviderClient;

    constructor(address: string) {
        // The engine and the SDK both raise the receive limit to 400 MiB; serialized providers can be large.
        const options = { "grpc.max_receive_message_length": 400 * 1024 * 1024 };
        this.client = new provrpc.ResourceProviderClient(address, grpc.credentials.createInsecure(), options);
    }

    close(): void {
        this.client.close();
    }

    /** Calls Handshake as the engine does first; returns false when the provider does not implement it. */
    async handshake(engineAddress: string, rootDirectory: string): Promise<boolean> {
        const request = new provproto.ProviderHandshakeRequest();
        request.setEngineAddress(engineAddress);
        request.setRootDirectory(rootDirectory);
        request.setProgramDirectory(rootDirectory);
        request.setConfigureWithUrn(true);
        try {
            await this.call<provproto.ProviderHandshakeRequest, provproto.ProviderHandshakeResponse>(
                this.client.handshake,
                request,
            );
            return true;
        } catch (error) {
            if (error instanceof ProviderCallError && error.code === grpc.status.UNIMPLEMENTED) {
                return false;
            }
            throw error;
        }
    }

    async pluginVersion(): Promise<string> {
        const response = await this.call<emptyproto.Empty, plugproto.PluginInfo>(
            this.client.getPluginInfo,
            new emptyproto.Empty(),
        );
        return response.getVersion();
    }

    /**
     * Sends Configure with `args` (secrets still wrapped) and the legacy `variables` map, whose keys the engine
     * spells `<package>:config:<key>` with plaintext values.
     */
    async configure(
        args: PropertyMap,
        variables: Record<string, string>,
    ): Promise<provproto.ConfigureResponse> {
        const request = new provproto.ConfigureRequest();
        request.setArgs(toStruct(args));
        for (const [key, value] of Object.entries(variables)) {
            request.getVariablesMap().set(key, value);
        }
        request.setAcceptsecrets(true);
        request.setAcceptresources(true);
        request.setSendsOldInputs(true);
        request.setSendsOldInputsToDelete(true);
        return this.call<provproto.ConfigureRequest, provproto.ConfigureResponse>(
            this.client.configure,
            request,
        );
    }

    async check(ref: ResourceRef, olds: PropertyMap, news: PropertyMap): Promise<CheckResult> {
        const request = new provproto.CheckRequest();
        setRef(request, ref);
        request.setOlds(toStruct(olds));
        request.setNews(toStruct(news));
        request.setRandomseed(new Uint8Array(32));
        const response = await this.call<provproto.CheckRequest, provproto.CheckResponse>(
            this.client.check,
            request,
        );
        return {
            inputs: fromStruct(response.getInputs()),
            failures: response
                .getFailuresList()
                .map((f) => ({ property: f.getProperty(), reason: f.getReason() })),
        };
    }

    async diff(
        ref: ResourceRef,
        id: string,
        olds: PropertyMap,
        oldInputs: PropertyMap,
        news: PropertyMap,
    ): Promise<DiffResult> {
        const request = new provproto.DiffRequest();
        setRef(request, ref);
        request.setId(id);
        request.setOlds(toStruct(olds));
        request.setOldInputs(toStruct(oldInputs));
        request.setNews(toStruct(news));
        const response = await this.call<provproto.DiffRequest, provproto.DiffResponse>(
            this.client.diff,
            request,
        );
        return {
            changes: diffChangesName(response.getChanges()),
            replaces: response.getReplacesList(),
            deleteBeforeReplace: response.getDeletebeforereplace(),
            diffs: response.getDiffsList(),
        };
    }

    async create(
        ref: ResourceRef,
        properties: PropertyMap,
    ): Promise<{ id: string; properties: PropertyMap }> {
        const request = new provproto.CreateRequest();
        setRef(request, ref);
        request.setProperties(toStruct(properties));
        request.setPreview(false);
        const response = await this.call<provproto.CreateRequest, provproto.CreateResponse>(
            this.client.create,
            request,
        );
        return { id: response.getId(), properties: fromStruct(response.getProperties()) };
    }

    async read(
        ref: ResourceRef,
        id: string,
        properties: PropertyMap,
        inputs: PropertyMap,
    ): Promise<ReadResult> {
        const request = new provproto.ReadRequest();
        setRef(request, ref);
        request.setId(id);
        request.setProperties(toStruct(properties));
        request.setInputs(toStruct(inputs));
        const response = await this.call<provproto.ReadRequest, provproto.ReadResponse>(
            this.client.read,
            request,
        );
        return {
            id: response.getId(),
            properties: fromStruct(response.getProperties()),
            inputs: response.hasInputs() ? fromStruct(response.getInputs()) : undefined,
        };
    }

    async update(
        ref: ResourceRef,
        id: string,
        olds: PropertyMap,
        oldInputs: PropertyMap,
        news: PropertyMap,
    ): Promise<PropertyMap> {
        const request = new provproto.UpdateRequest();
        setRef(request, ref);
        request.setId(id);
        request.setOlds(toStruct(olds));
        request.setOldInputs(toStruct(oldInputs));
        request.setNews(toStruct(news));
        request.setPreview(false);
        const response = await this.call<provproto.UpdateRequest, provproto.UpdateResponse>(
            this.client.update,
            request,
        );
        return fromStruct(response.getProperties());
    }

    async delete(
        ref: ResourceRef,
        id: string,
        properties: PropertyMap,
        oldInputs: PropertyMap,
    ): Promise<void> {
        const request = new provproto.DeleteRequest();
        setRef(request, ref);
        request.setId(id);
        request.setProperties(toStruct(properties));
        request.setOldInputs(toStruct(oldInputs));
        await this.call<provproto.DeleteRequest, emptyproto.Empty>(this.client.delete, request);
    }

    private call<Request, Response>(
        method: UnaryMethod<Request, Response>,
        request: Request,
    ): Promise<Response> {
        return new Promise((resolve, reject) => {
            method.call(this.client, request, (error, response) => {
                if (error) {
                    reject(toProviderCallError(error));
                } else {
                    resolve(response);
                }
            });
        });
    }
}

interface HasRef {
    setUrn(value: string): unknown;
    setName(value: string): unknown;
    setType(value: string): unknown;
}

function setRef(request: HasRef, ref: ResourceRef): void {
    request.setUrn(ref.urn);
    request.setName(ref.name);
    request.setType(ref.type);
}

function toStruct(map: PropertyMap): structproto.Struct {
    return structproto.Struct.fromJavaScript(map as Record<string, structproto.JavaScriptValue>);
}

function fromStruct(struct: structproto.Struct | undefined): PropertyMap {
    return struct === undefined ? {} : (struct.toJavaScript() as PropertyMap);
}

function diffChangesName(changes: provproto.DiffResponse.DiffChanges): DiffChanges {
    switch (changes) {
        case provproto.DiffResponse.DiffChanges.DIFF_SOME:
            return "some";
        case provproto.DiffResponse.DiffChanges.DIFF_NONE:
            return "none";
        default:
            return "unknown";
    }
}

/** Decodes `grpc-status-details-bin`, where the dynamic provider packs `ErrorResourceInitFailed`. */
function toProviderCallError(error: grpc.ServiceError): ProviderCallError {
    const message = error.details || error.message;
    const details = error.metadata?.get("grpc-status-details-bin") ?? [];
    for (const detail of details) {
        if (typeof detail === "string") {
            continue;
        }
        const status = statusproto.Status.deserializeBinary(new Uint8Array(detail));
        for (const any of status.getDetailsList()) {
            if (any.getTypeName() !== INIT_FAILED_TYPE) {
                continue;
            }
            const failure = provproto.ErrorResourceInitFailed.deserializeBinary(any.getValue_asU8());
            const initFailure = {
                id: failure.getId(),
                properties: fromStruct(failure.getProperties()),
                reasons: failure.getReasonsList(),
            };
            return new ProviderCallError(message, error.code, initFailure);
        }
    }
    return new ProviderCallError(message, error.code);
}
