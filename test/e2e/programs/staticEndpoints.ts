// Two containers pinned to static addresses on a transparent network the test creates beforehand,
// plus an optional third endpoint. Host, network, containers and addresses come from stack
// configuration, so that the tests can change one setting per run.
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
    return new StaticEndpoint(`${prefix}-ep-${key}`, {
        host,
        container: config.require(`container${key.toUpperCase()}`),
        network,
        ipv4Address: config.require(`address${key.toUpperCase()}`),
        macAddress: config.get(`mac${key.toUpperCase()}`),
        allowStop: config.getBoolean(`allowStop${key.toUpperCase()}`) ?? false,
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
