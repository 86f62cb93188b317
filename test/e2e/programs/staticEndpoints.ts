// Two containers pinned to static addresses on a transparent network the test creates beforehand,
// plus an optional third endpoint. Host, network, containers and addresses come from stack
// configuration, so that the tests can change one setting per run. `extraA` (a JSON object) adds
// settings to the first endpoint as a JavaScript program could, for example a misspelt one.
import * as pulumi from "@pulumi/pulumi";
import { StaticEndpoint } from "../../../provider";

const config = new pulumi.Config("wcn");
const prefix = config.require("prefix");
const host = {
    name: config.require("hostName"),
    docker: { url: config.require("hostUrl"), timeoutMs: 30_000 },
};

const network = config.require("network");

function endpoint(key: "a" | "b" | "c"): StaticEndpoint {
    const suffix = key.toUpperCase();
    const extra = config.getObject<Record<string, unknown>>(`extra${suffix}`) ?? {};
    return new StaticEndpoint(`${prefix}-ep-${key}`, {
        host,
        container: config.require(`container${suffix}`),
        network,
        ipv4Address: config.require(`address${suffix}`),
        macAddress: config.get(`mac${suffix}`),
        allowStop: config.getBoolean(`allowStop${suffix}`) ?? false,
        ...extra,
    });
}

const a = endpoint("a");
const b = endpoint("b");
const c = config.getBoolean("withC") ? endpoint("c") : undefined;

export const networkIdA = a.networkId;
export const observedAddressA = a.observedAddress;
export const observedAddressSourceA = a.observedAddressSource;
export const hnsEndpointIdA = a.hnsEndpointId;
export const macAddressB = b.macAddress;
export const observedAddressC = c?.observedAddress;
