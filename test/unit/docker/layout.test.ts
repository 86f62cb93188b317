import { expect } from "chai";
import type { EngineInfo } from "../../../provider/docker/engine";
import { checkNetworkLayout, PlannedNetwork } from "../../../provider/docker/preflight";
import { FailureList } from "../../../provider/model/failures";
import type { ObservedNetwork } from "../../../provider/model/networkInspect";

function engine(kernelVersion: string, swarmActive = false): EngineInfo {
    return {
        osType: "windows",
        operatingSystem: "Windows Server",
        kernelVersion,
        serverVersion: "24.0.7",
        apiVersion: "1.43",
        networkDrivers: ["nat", "transparent", "l2bridge", "overlay"],
        swarmActive,
    };
}

const WS2022 = engine("10.0 20348 (20348.1.amd64fre.fe_release.210507-1500)");

function network(name: string, driver: string, subnet?: string): ObservedNetwork {
    return { id: `${name}-id`, name, driver, subnet, options: {}, labels: {}, endpoints: [] };
}

function layoutFailures(info: EngineInfo, planned: PlannedNetwork, existing: ObservedNetwork[]) {
    const failures = new FailureList();
    checkNetworkLayout(info, "web-01", planned, existing, failures);
    return failures.items;
}

describe("checkNetworkLayout", () => {
    const defaultNat = network("nat", "nat", "172.25.16.0/20");

    it("accepts a subnet beside the default nat network", () => {
        const planned = { name: "app", driver: "nat", subnet: "172.28.0.0/24" };
        expect(layoutFailures(WS2022, planned, [defaultNat])).to.deep.equal([]);
    });

    it("rejects a subnet inside the default nat network", () => {
        const planned = { name: "app", driver: "nat", subnet: "172.25.16.0/24" };
        const failures = layoutFailures(WS2022, planned, [defaultNat]);
        expect(failures.map((failure) => failure.property)).to.deep.equal(["subnet"]);
        expect(failures[0].reason).to.match(
            /172\.25\.16\.0\/24 overlaps network "nat" \(172\.25\.16\.0\/20\) on host web-01/,
        );
    });

    it("rejects a subnet that contains another network's", () => {
        const planned = { name: "wide", driver: "nat", subnet: "172.31.0.0/16" };
        const failures = layoutFailures(WS2022, planned, [network("narrow", "nat", "172.31.5.0/24")]);
        expect(failures.map((failure) => failure.property)).to.deep.equal(["subnet"]);
    });

    it("ignores the network being replaced", () => {
        const planned = { name: "app", driver: "nat", subnet: "172.28.0.0/24" };
        expect(layoutFailures(WS2022, planned, [network("app", "nat", "172.28.0.0/25")])).to.deep.equal([]);
    });

    it("ignores networks without a reported subnet", () => {
        const planned = { name: "app", driver: "nat", subnet: "172.28.0.0/24" };
        expect(layoutFailures(WS2022, planned, [network("dhcp", "transparent")])).to.deep.equal([]);
    });

    it("rejects overlay outside a swarm", () => {
        const failures = layoutFailures(WS2022, { name: "ov", driver: "overlay" }, []);
        expect(failures.map((failure) => failure.property)).to.deep.equal(["driver"]);
        expect(failures[0].reason).to.match(/part of a swarm/);
    });

    it("accepts overlay in a swarm", () => {
        const inSwarm = engine("10.0 20348 (20348.1)", true);
        expect(layoutFailures(inSwarm, { name: "ov", driver: "overlay" }, [])).to.deep.equal([]);
    });
});
