// A tiny dynamic resource for testing the driver. Its provider keeps the "real objects" in a JSON file, the fake
// external system. It logs every change with the process ID and script path of the process that made it, so tests
// can check both the outside world and where the provider code ran.
import * as pulumi from "@pulumi/pulumi";

export interface FakeObject {
    key: string;
    value: string;
    zone: string;
    port?: number;
}

export interface FakeLogEntry {
    op: "create" | "update" | "delete";
    id: string;
    key: string;
    /** Version of the provider code that made the change. */
    version: string;
    pid: number;
    /** `process.argv[1]` of the process that ran the provider method. */
    script: string;
}

export interface FakeStore {
    nextSerial: number;
    objects: Record<string, FakeObject>;
    log: FakeLogEntry[];
}

/** Reads the fake system's store file; a missing file is an empty store. */
export function readStore(storePath: string): FakeStore {
    const fs: typeof import("fs") = require("fs");
    if (!fs.existsSync(storePath)) {
        return { nextSerial: 1, objects: {}, log: [] };
    }
    return JSON.parse(fs.readFileSync(storePath, "utf8")) as FakeStore;
}

export function writeStore(storePath: string, store: FakeStore): void {
    const fs: typeof import("fs") = require("fs");
    fs.writeFileSync(storePath, JSON.stringify(store, null, 2));
}

const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

/** An object whose value a test sets to this makes the provider's read fail. */
export const READ_FAILURE_VALUE = "fail-read";
const FIELDS = ["key", "value", "zone", "port"] as const;

function logChange(store: FakeStore, op: FakeLogEntry["op"], id: string, key: string, version: string): void {
    store.log.push({ op, id, key, version, pid: process.pid, script: process.argv[1] ?? "" });
}

/** Builds outputs without `undefined` values, which the server's protobuf conversion rejects. */
function outputsOf(inputs: Record<string, unknown>, object: FakeObject, serial: number, greeting: string) {
    const outputs: Record<string, unknown> = { storePath: inputs.storePath, ...object, serial, greeting };
    if (inputs.token !== undefined) {
        outputs.token = inputs.token;
    }
    return outputs;
}

/** Version that each provider variant writes to the change log. */
type ProviderVersion = "v1" | "v2";

/**
 * Builds the provider. `configured` contains what `configure` stores for the other methods. Closure serialization
 * copies a captured primitive (such as a module-level `let`) into each method separately, so an assignment in
 * `configure` would not reach `create`, while a captured object is serialized once and shared by all methods.
 * The provider keeps no clients or handles.
 */
function createProvider(version: ProviderVersion): pulumi.dynamic.ResourceProvider {
    const configured = { greeting: "unconfigured" };
    return {
        async configure(request: pulumi.dynamic.ConfigureRequest): Promise<void> {
            configured.greeting = request.config.get("fake:greeting") ?? "unconfigured";
        },

        async check(
            _olds: Record<string, unknown>,
            news: Record<string, unknown>,
        ): Promise<pulumi.dynamic.CheckResult> {
            const failures: pulumi.dynamic.CheckFailure[] = [];
            if (news.key !== UNKNOWN && (typeof news.key !== "string" || news.key === "")) {
                failures.push({ property: "key", reason: "key must be a non-empty string" });
            }
            const port = news.port;
            if (typeof port === "number" && (port < 1 || port > 65535)) {
                failures.push({ property: "port", reason: `port ${port} is outside 1-65535` });
            }
            const settings = news.settings as { mtu?: unknown } | undefined;
            if (settings !== undefined && typeof settings.mtu === "number" && settings.mtu < 576) {
                failures.push({ property: "settings.mtu", reason: `mtu ${settings.mtu} is below 576` });
            }
            return { inputs: { ...news, zone: news.zone ?? "a" }, failures };
        },

        async diff(_id: string, olds: Record<string, unknown>, news: Record<string, unknown>) {
            const changed = (field: string) => JSON.stringify(olds[field]) !== JSON.stringify(news[field]);
            const replaces = ["key", "zone"].filter(changed);
            return {
                changes: FIELDS.some(changed) || changed("token"),
                replaces,
                deleteBeforeReplace: replaces.includes("key"),
            };
        },

        async create(inputs: Record<string, unknown>): Promise<pulumi.dynamic.CreateResult> {
            if (typeof inputs.createDelayMs === "number") {
                // Tests wait for this file, which names the provider process, before they stop the driver.
                const fs: typeof import("fs") = require("fs");
                fs.writeFileSync(`${String(inputs.storePath)}.create-started`, String(process.pid));
                await new Promise((resolve) => setTimeout(resolve, Number(inputs.createDelayMs)));
            }

            const store = readStore(String(inputs.storePath));
            const object: FakeObject = {
                key: String(inputs.key),
                value: String(inputs.value),
                zone: String(inputs.zone),
            };
            if (typeof inputs.port === "number") {
                object.port = inputs.port;
            }
            const taken = Object.values(store.objects).some(
                (o) => o.key === object.key && o.zone === object.zone,
            );
            if (taken) {
                throw new Error(`an object with key ${object.key} already exists in zone ${object.zone}`);
            }
            const serial = store.nextSerial++;
            const id = `${object.key}-${serial}`;
            store.objects[id] = object;
            logChange(store, "create", id, object.key, version);
            writeStore(String(inputs.storePath), store);
            console.error(`fake-record: created ${id}`);
            const outs = outputsOf(inputs, object, serial, configured.greeting);
            if (inputs.failInit === true) {
                // An error with `id` makes the dynamic-provider server report ErrorResourceInitFailed: the object exists.
                const properties = { ...outs, __provider: inputs.__provider };
                throw Object.assign(new Error(`object ${id} failed to initialize`), {
                    id,
                    properties,
                    reasons: ["fake initialization failure"],
                });
            }
            return { id, outs };
        },

        async read(id: string, props: Record<string, unknown>): Promise<pulumi.dynamic.ReadResult> {
            const object = readStore(String(props.storePath)).objects[id];
            if (object === undefined) {
                return { id: "" };
            }
            if (object.value === READ_FAILURE_VALUE) {
                throw new Error(`fake read failure for ${id}`);
            }
            return { id, props: { ...props, ...object } };
        },

        async update(id: string, olds: Record<string, unknown>, news: Record<string, unknown>) {
            const store = readStore(String(news.storePath));
            const object = store.objects[id];
            if (object === undefined) {
                throw new Error(`object ${id} does not exist`);
            }
            object.value = String(news.value);
            if (typeof news.port === "number") {
                object.port = news.port;
            }
            logChange(store, "update", id, object.key, version);
            writeStore(String(news.storePath), store);
            return { outs: outputsOf(news, object, Number(olds.serial), configured.greeting) };
        },

        async delete(id: string, props: Record<string, unknown>): Promise<void> {
            const store = readStore(String(props.storePath));
            const object = store.objects[id];
            delete store.objects[id];
            logChange(store, "delete", id, object?.key ?? "", version);
            writeStore(String(props.storePath), store);
        },
    };
}

/**
 * Two providers that differ only in the version they write to the change log. Each serializes to different
 * `__provider` text, which lets tests see which stored provider code the server ran.
 */
export const fakeRecordProviders: Record<ProviderVersion, pulumi.dynamic.ResourceProvider> = {
    v1: createProvider("v1"),
    v2: createProvider("v2"),
};

export interface FakeRecordArgs {
    storePath: pulumi.Input<string>;
    key: pulumi.Input<string>;
    value: pulumi.Input<string>;
    zone?: pulumi.Input<string>;
    port?: pulumi.Input<number>;
    settings?: pulumi.Input<{ mtu?: number }>;
    token?: pulumi.Input<string>;
    failInit?: boolean;
    createDelayMs?: number;
}

/** A record in the fake system; type token `pulumi-nodejs:dynamic/fake:Record`. */
export class FakeRecord extends pulumi.dynamic.Resource {
    declare readonly key: pulumi.Output<string>;
    declare readonly value: pulumi.Output<string>;
    declare readonly serial: pulumi.Output<number>;
    declare readonly greeting: pulumi.Output<string>;
    /** Present only when the record was declared with a port. */
    declare readonly port: pulumi.Output<number | undefined>;

    constructor(
        name: string,
        args: FakeRecordArgs,
        opts?: pulumi.CustomResourceOptions,
        providerVersion: keyof typeof fakeRecordProviders = "v1",
    ) {
        const props = { ...args, serial: undefined, greeting: undefined };
        super(fakeRecordProviders[providerVersion], name, props, opts, "fake", "Record");
    }
}
