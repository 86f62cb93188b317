// Test program for the driver: declares the FakeRecords listed in the `fake:records` config (JSON), so each test
// changes the stack by changing config instead of code.
import * as pulumi from "@pulumi/pulumi";

import { FakeRecord } from "./fake-record";

export interface RecordSpec {
    name: string;
    key: string;
    value?: string;
    /** Name of an earlier record whose ID becomes this record's value (a dependent input). */
    valueFrom?: string;
    zone?: string;
    port?: number;
    mtu?: number;
    /** Use the secret config `fake:token` as the `token` input. */
    secretToken?: boolean;
    failInit?: boolean;
    /** Make create wait this long, in milliseconds, after writing `<storePath>.create-started`. */
    createDelayMs?: number;
    deleteBeforeReplace?: boolean;
    protect?: boolean;
}

const config = new pulumi.Config("fake");
const storePath = config.require("storePath");
const specs = config.requireObject<RecordSpec[]>("records");
const providerVersion = config.get("providerVersion") === "v2" ? "v2" : "v1";
// With `fake:group` set, every record is a child of a component resource of that name.
const groupName = config.get("group");
const group =
    groupName === undefined ? undefined : new pulumi.ComponentResource("fake:index:Group", groupName);

const records = new Map<string, FakeRecord>();
for (const spec of specs) {
    const source = spec.valueFrom === undefined ? undefined : records.get(spec.valueFrom);
    const record = new FakeRecord(
        spec.name,
        {
            storePath,
            key: spec.key,
            value: source ? source.id.apply((id) => `from-${id}`) : (spec.value ?? ""),
            zone: spec.zone,
            port: spec.port,
            settings: spec.mtu === undefined ? undefined : { mtu: spec.mtu },
            token: spec.secretToken ? config.requireSecret("token") : undefined,
            failInit: spec.failInit,
            createDelayMs: spec.createDelayMs,
        },
        { deleteBeforeReplace: spec.deleteBeforeReplace, protect: spec.protect, parent: group },
        providerVersion,
    );
    records.set(spec.name, record);
}

// Lets tests make the program fail after it registered its resources.
const failure = config.get("failProgram");
if (failure !== undefined) {
    throw new Error(failure);
}

export const values = pulumi.all(
    Object.fromEntries([...records].map(([name, record]) => [name, record.value])),
);
export const recordCount = records.size;

// With `fake:exportPorts` set, the optional `port` output is exported at the top level (`firstPort`) and per
// record (`ports`). Other tests leave it unset, so their stack outputs stay as they are.
if (config.getBoolean("exportPorts")) {
    const first = records.values().next().value;
    Object.assign(module.exports, {
        firstPort: first?.port,
        ports: Object.fromEntries([...records].map(([name, record]) => [name, record.port])),
    });
}
