import * as pulumi from "@pulumi/pulumi";
import { ContainerNetwork, HostSpec } from "../../provider";

/*
 * Two networks on one Windows container host: a nat network with its own subnet, and a transparent
 * network that puts containers on the physical network behind one host adapter.
 *
 * With no configuration the host is the simulated Windows Server 2022 host whose state lives in
 * .wcn/quickstart-host.json. To use a real host, set for example:
 *
 *   pulumi config set hostName web-01
 *   pulumi config set dockerUrl tcp://web-01.corp.example.com:2376
 *   pulumi config set dockerCaFile /etc/wcn/web-01/ca.pem
 *   pulumi config set dockerCertFile /etc/wcn/web-01/cert.pem
 *   pulumi config set --secret dockerKey "$(cat /etc/wcn/web-01/key.pem)"
 *   pulumi config set adapterName "Ethernet 2"
 *   pulumi config set transparentSubnet 10.20.0.0/24
 *   pulumi config set transparentGateway 10.20.0.1
 */
const config = new pulumi.Config();
const dockerUrl = config.get("dockerUrl") ?? "sim:./.wcn/quickstart-host.json";

const host: HostSpec = {
    name: config.get("hostName") ?? "simulated-ws2022",
    docker: dockerUrl.startsWith("tcp:")
        ? {
              url: dockerUrl,
              tls: {
                  caFile: config.require("dockerCaFile"),
                  certFile: config.require("dockerCertFile"),
                  keyConfigKey: `${pulumi.getProject()}:dockerKey`,
              },
          }
        : { url: dockerUrl },
};

const natNetwork = new ContainerNetwork("app-nat", {
    host,
    name: "app-nat",
    driver: "nat",
    subnet: config.get("natSubnet") ?? "172.28.0.0/24",
    gateway: config.get("natGateway") ?? "172.28.0.1",
    labels: { app: "quickstart" },
});

const transparentNetwork = new ContainerNetwork("app-transparent", {
    host,
    name: "app-transparent",
    driver: "transparent",
    subnet: config.get("transparentSubnet") ?? "10.20.0.0/24",
    gateway: config.get("transparentGateway") ?? "10.20.0.1",
    windows: {
        adapterName: config.get("adapterName") ?? "Ethernet 2",
        dnsServers: ["10.20.0.53"],
    },
    labels: { app: "quickstart" },
});

export const natNetworkId = natNetwork.networkId;
export const natSubnet = natNetwork.effectiveSubnet;
export const transparentNetworkId = transparentNetwork.networkId;
export const transparentHnsId = transparentNetwork.hnsId;
