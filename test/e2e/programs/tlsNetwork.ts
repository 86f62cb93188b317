// One nat network on a host reached over tcp:// with mutual TLS; the client key comes from a secret
// stack configuration key that the provider reads in its configure step.
import * as pulumi from "@pulumi/pulumi";
import { ContainerNetwork } from "../../../provider";

const config = new pulumi.Config("wcn");

const network = new ContainerNetwork("tls-nat", {
    host: {
        name: "tls-host",
        docker: {
            url: config.require("hostUrl"),
            timeoutMs: 20_000,
            tls: {
                caFile: config.require("caFile"),
                certFile: config.require("certFile"),
                keyConfigKey: "wcn:clientKey",
            },
        },
    },
    name: "tls-nat",
    subnet: "172.30.1.0/24",
});

export const networkId = network.networkId;
