import { expect } from "chai";
import type { InputFailure } from "../../../provider/model/failures";
import {
    checkNatPartition,
    partitionNetwork,
    type NatPartitionInputs,
} from "../../../provider/model/natPartition";
import { UNKNOWN_VALUE } from "../../../provider/model/unknown";

const HOST = { name: "web-01", docker: { url: "npipe:////./pipe/docker_engine" } };

function partition(changes: Record<string, unknown> = {}): Record<string, unknown> {
    return { host: HOST, name: "app-nat", subnet: "172.17.0.0/16", owner: "p/s/app-nat", ...changes };
}

function failuresOf(raw: Record<string, unknown>): InputFailure[] {
    return checkNatPartition(raw).failures.items;
}

function properties(raw: Record<string, unknown>): string[] {
    return failuresOf(raw).map((failure) => failure.property);
}

describe("checkNatPartition", () => {
    it("accepts an explicit subnet and fills in the flags", () => {
        const { inputs, failures } = checkNatPartition(partition());
        expect(failures.items).to.deep.equal([]);
        expect(inputs.adopt).to.equal(false);
        expect(inputs.disconnectContainersOnDelete).to.equal(false);
        expect(inputs).not.to.have.property("driver");
    });

    it("accepts a prefix length with a pool", () => {
        expect(
            properties(partition({ subnet: undefined, prefixLength: 24, pool: "172.20.0.0/14" })),
        ).to.deep.equal([]);
    });

    const rejected: [string, Record<string, unknown>, string, RegExp][] = [
        ["neither subnet nor prefixLength", { subnet: undefined }, "subnet", /prefixLength: 24/],
        [
            "both subnet and prefixLength",
            { prefixLength: 24 },
            "prefixLength",
            /either subnet or prefixLength|cannot be combined/,
        ],
        ["a non-canonical subnet", { subnet: "172.17.5.0/16" }, "subnet", /172\.17\.0\.0\/16/],
        ["a gateway outside the subnet", { gateway: "172.18.0.1" }, "gateway", /172\.18\.0\.1/],
        [
            "a prefix length that is not whole",
            { subnet: undefined, prefixLength: 24.5 },
            "prefixLength",
            /whole number/,
        ],
        [
            "a prefix length too long for containers",
            { subnet: undefined, prefixLength: 31 },
            "prefixLength",
            /8 to 30/,
        ],
        ["a prefix length given as text", { subnet: undefined, prefixLength: "24" }, "prefixLength", /"24"/],
        ["a pool with an explicit subnet", { pool: "172.16.0.0/12" }, "pool", /only with prefixLength/],
        [
            "a pool with host bits",
            { subnet: undefined, prefixLength: 24, pool: "172.16.1.0/12" },
            "pool",
            /172\.16\.0\.0\/12/,
        ],
        [
            "a pool smaller than the block",
            { subnet: undefined, prefixLength: 16, pool: "172.16.0.0/20" },
            "prefixLength",
            /larger than pool 172\.16\.0\.0\/20/,
        ],
        [
            "a gateway with an allocated block",
            { subnet: undefined, prefixLength: 24, gateway: "172.16.0.1" },
            "gateway",
            /first address of the allocated block/,
        ],
        ["a ContainerNetwork-only setting", { driver: "nat" }, "driver", /not a NatPartition setting/],
        ["an unsupported Windows setting", { internal: true }, "internal", /Windows|NatPartition/],
        ["a missing name", { name: undefined }, "name", /required/],
    ];
    for (const [label, changes, property, reason] of rejected) {
        it(`rejects ${label}`, () => {
            const failures = failuresOf(partition(changes));
            expect(failures.map((failure) => failure.property)).to.include(property);
            expect(
                failures
                    .filter((failure) => failure.property === property)
                    .map((f) => f.reason)
                    .join("\n"),
            ).to.match(reason);
        });
    }

    it("reports every failure at once", () => {
        const found = properties(partition({ name: "", subnet: undefined, prefixLength: 40, adopt: "yes" }));
        expect(found).to.include.members(["name", "prefixLength", "adopt"]);
    });

    it("skips the sizing rules while subnet or prefixLength is unknown", () => {
        expect(properties(partition({ subnet: UNKNOWN_VALUE }))).to.deep.equal([]);
        expect(properties(partition({ subnet: undefined, prefixLength: UNKNOWN_VALUE }))).to.deep.equal([]);
    });
});

describe("partitionNetwork", () => {
    const inputs: NatPartitionInputs = {
        host: HOST,
        name: "app-nat",
        prefixLength: 24,
        adopt: false,
        disconnectContainersOnDelete: false,
        owner: "p/s/app-nat",
        labels: { team: "web" },
    };

    it("is a nat network whose gateway is the first address of the subnet", () => {
        const network = partitionNetwork(inputs, "172.31.255.0/24");
        expect(network).to.include({
            driver: "nat",
            subnet: "172.31.255.0/24",
            gateway: "172.31.255.1",
            name: "app-nat",
        });
        expect(network.labels).to.deep.equal({ team: "web" });
    });

    it("keeps a gateway the user set", () => {
        const network = partitionNetwork(
            { ...inputs, prefixLength: undefined, subnet: "172.17.0.0/16", gateway: "172.17.255.254" },
            "172.17.0.0/16",
        );
        expect(network.gateway).to.equal("172.17.255.254");
    });
});
