import * as pulumi from "@pulumi/pulumi";
import { HostNatConfig, HostSpec, NatPartition } from "../../provider";

/*
 * The NAT address space of one Windows Server 2016 container host, split between teams: three NAT
 * partitions carved from the host's WinNAT prefix (172.16.0.0/12 by default), two with fixed
 * subnets and one with a /24 block that the provider allocates once and keeps in the stack's state.
 *
 * The HostNatConfig keeps the default nat network where the engine puts it unless the
 * `defaultNatPrefix` config value sets daemon.json `fixed-cidr`. On WS2016 the WinNAT prefix then
 * becomes that prefix, and every partition must lie inside it.
 *
 * With no configuration the host is a simulated WS2016 host whose state lives in
 * .wcn/nat-partitions-host.json. The partitions take the host from the HostNatConfig's `host`
 * output, so that they are checked and created after daemon.json has changed.
 */
const config = new pulumi.Config();

const host: HostSpec = {
    name: config.get("hostName") ?? "simulated-ws2016",
    docker: { url: config.get("dockerUrl") ?? "sim:./.wcn/nat-partitions-host.json?profile=ws2016" },
};

const natConfig = new HostNatConfig("host-nat", {
    host,
    fixedCidr: config.get("defaultNatPrefix"),
});

const build = new NatPartition("build", {
    host: natConfig.host,
    name: "build",
    subnet: "172.18.0.0/24",
    labels: { team: "build" },
});

const web = new NatPartition("web", {
    host: natConfig.host,
    name: "web",
    subnet: "172.18.1.0/24",
    gateway: "172.18.1.1",
    labels: { team: "web" },
});

const batch = new NatPartition("batch", {
    host: natConfig.host,
    name: "batch",
    prefixLength: 24,
    labels: { team: "batch" },
});

export const defaultNetworkSubnet = natConfig.defaultNetworkSubnet;
export const buildSubnet = build.effectiveSubnet;
export const webSubnet = web.effectiveSubnet;
export const batchSubnet = batch.allocatedSubnet;
