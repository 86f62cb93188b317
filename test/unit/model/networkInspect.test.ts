import { expect } from "chai";
import * as fs from "fs";
import {
    InspectParseError,
    normalizeNetworkInspect,
    ObservedNetwork,
    parseNetworkInspectText,
} from "../../../provider/model/networkInspect";
import { fixturePath, readFixture } from "./windowsFixtures";

const HNSID = "com.docker.network.windowsshim.hnsid";
const NETWORKNAME = "com.docker.network.windowsshim.networkname";

function parseError(run: () => unknown): InspectParseError {
    try {
        run();
    } catch (error) {
        if (error instanceof InspectParseError) {
            return error;
        }
        throw error;
    }
    throw new Error("expected an InspectParseError, but parsing succeeded");
}

describe("network inspect", () => {
    describe("C01 complete inspect of a 2025 nat network", () => {
        const text = fs.readFileSync(fixturePath("C01"), "utf8");
        let observed: ObservedNetwork;

        before(() => {
            observed = parseNetworkInspectText(text);
        });

        it("reads id, name and driver", () => {
            expect(observed.id).to.equal("613343e5debb00c5b509cde6c9cdf814aa35f679e249a5f27db19f1874024887");
            expect(observed.name).to.equal("testname");
            expect(observed.driver).to.equal("nat");
        });

        it("reads subnet and gateway", () => {
            expect(observed.subnet).to.equal("172.22.240.0/27");
            expect(observed.gateway).to.equal("172.22.240.1");
        });

        it("lower-cases the HNS id", () => {
            expect(observed.hnsId).to.equal("a546a47a-7368-444a-90ec-4599c874db0b");
        });

        it("keeps the options as the engine sent them", () => {
            expect(observed.options).to.deep.equal({ [HNSID]: "A546A47A-7368-444A-90EC-4599C874DB0B" });
        });

        it("accepts a missing networkname option", () => {
            expect(observed.options).to.not.have.property(NETWORKNAME);
        });

        it("reads empty labels and no endpoints", () => {
            expect(observed.labels).to.deep.equal({});
            expect(observed.endpoints).to.deep.equal([]);
        });

        it("does not depend on the IPAM driver name", () => {
            const raw = JSON.parse(text)[0];
            expect(raw.IPAM.Driver).to.equal("default");
            const windowsIpam = { ...raw, IPAM: { ...raw.IPAM, Driver: "windows" } };
            expect(normalizeNetworkInspect(windowsIpam)).to.deep.equal(observed);
        });

        it("reads the API's single object too", () => {
            expect(parseNetworkInspectText(JSON.stringify(JSON.parse(text)[0]))).to.deep.equal(observed);
        });
    });

    describe("rejects truncated output", () => {
        for (const caseId of ["C03", "C04", "C06a"]) {
            it(`${caseId} says it may be truncated`, () => {
                const text = readFixture(caseId);
                expect(text).to.not.match(/^#### /m);
                const error = parseError(() => parseNetworkInspectText(text));
                expect(error.message).to.match(/not complete JSON/);
                expect(error.message).to.match(/may be truncated/);
            });
        }
    });

    describe("rejects output that is not network inspect", () => {
        it("C06b console-wrapped New-HnsNetwork output", () => {
            const error = parseError(() => parseNetworkInspectText(readFixture("C06b")));
            expect(error.message).to.match(/not complete JSON/);
            expect(error.message).to.match(/wrapped by a console/);
        });

        it("C06b wrapped HNS JSON on its own", () => {
            const text = readFixture("C06b");
            const json = text.slice(text.indexOf('{"Output"'));
            expect(json).to.match(/"Extensio\nns"/);
            const error = parseError(() => parseNetworkInspectText(json));
            expect(error.message).to.match(/wrapped by a console/);
        });

        it("C09b complete HNS JSON has no network id", () => {
            const error = parseError(() => parseNetworkInspectText(readFixture("C09b")));
            expect(error.message).to.match(/network inspect output has no Id/);
        });

        it("empty array holds no network", () => {
            const error = parseError(() => parseNetworkInspectText("[]"));
            expect(error.message).to.match(/contains no network object/);
        });

        it("network without a driver", () => {
            const error = parseError(() => normalizeNetworkInspect({ Id: "abc", Name: "app" }));
            expect(error.message).to.match(/has no Driver/);
        });
    });

    describe("normalizes older and partial shapes", () => {
        // The fields fixture C03 shows (WS2016, Docker 1.13-dev): no Created, IPAM Options null,
        // lower-case hnsid, networkname set, a container with a CIDR IPv4Address.
        const c03 = {
            Name: "mynet",
            Id: "d7e8fb2ff01d03e62bd579470688fa42eab55d81b7db790237cf86d7ea93e33a",
            Scope: "local",
            Driver: "transparent",
            EnableIPv6: false,
            IPAM: {
                Driver: "default",
                Options: null,
                Config: [{ Subnet: "172.21.2.0/23", Gateway: "172.21.2.1" }],
            },
            Internal: false,
            Attachable: false,
            Containers: {
                f1a55c56d0a7464dc5af4a7b4a313a5d232745cf558d83144c6dfe23774c7fe1: {
                    Name: "web",
                    EndpointID: "0d2c67118ad4c1143a6b0a815ff7854d7be78a555fd5a8a73f579194e5e0c5b4",
                    MacAddress: "00:15:5d:a1:63:26",
                    IPv4Address: "172.21.2.66/23",
                    IPv6Address: "",
                },
            },
            Options: {
                [HNSID]: "fda768e5-1659-4dee-9a0e-f33e0fe321b1",
                [NETWORKNAME]: "mynet",
            },
        };

        it("C03 shape without Created", () => {
            const observed = normalizeNetworkInspect(c03);
            expect(observed.subnet).to.equal("172.21.2.0/23");
            expect(observed.gateway).to.equal("172.21.2.1");
        });

        it("C03 lower-case hnsid", () => {
            expect(normalizeNetworkInspect(c03).hnsId).to.equal("fda768e5-1659-4dee-9a0e-f33e0fe321b1");
        });

        it("C03 missing Labels", () => {
            expect(normalizeNetworkInspect(c03).labels).to.deep.equal({});
        });

        it("C03 endpoint address without its length", () => {
            expect(normalizeNetworkInspect(c03).endpoints).to.deep.equal([
                {
                    containerId: "f1a55c56d0a7464dc5af4a7b4a313a5d232745cf558d83144c6dfe23774c7fe1",
                    name: "web",
                    ipv4Address: "172.21.2.66",
                    macAddress: "00:15:5d:a1:63:26",
                },
            ]);
        });

        it("C04 shape with windows IPAM and empty options", () => {
            const observed = normalizeNetworkInspect({
                Name: "tlan1",
                Id: "5a169a0de37a351b649612f6e87e4bb399606a8225fbbbd8c06cf877bf2498d9",
                Created: "2022-07-25T18:55:09.2806907+02:00",
                Scope: "local",
                Driver: "transparent",
                EnableIPv6: false,
                IPAM: {
                    Driver: "windows",
                    Options: {},
                    Config: [{ Subnet: "192.168.0.0/24", Gateway: "192.168.0.1" }],
                },
                Ingress: false,
                ConfigFrom: { Network: "" },
                ConfigOnly: false,
                Containers: {
                    dbd28537dca8b090421bd96a9bf21da3ac38b57330dfacc55af75041e4b27478: {
                        Name: "bcserver",
                        MacAddress: "00:15:5d:b2:26:e0",
                        IPv4Address: "192.168.0.202/24",
                        IPv6Address: "",
                    },
                },
                Options: {},
            });
            expect(observed.subnet).to.equal("192.168.0.0/24");
            expect(observed.hnsId).to.equal(undefined);
            expect(observed.endpoints.map((endpoint) => endpoint.ipv4Address)).to.deep.equal([
                "192.168.0.202",
            ]);
        });

        // The fields fixture C06a shows (WS2019 right after the first start): Options null and
        // a 0.0.0.0/0 subnet without a gateway.
        const c06a = {
            Name: "nat",
            Id: "b7b85981ae2d7f843a9c5fe9535a0bf9f2053dc7de84d825c66e699427b7a275",
            Created: "2018-12-12T14:20:06.3060877Z",
            Scope: "local",
            Driver: "nat",
            EnableIPv6: false,
            IPAM: { Driver: "windows", Options: null, Config: [{ Subnet: "0.0.0.0/0" }] },
            Options: null,
            Labels: null,
        };

        it("C06a 0.0.0.0/0 without gateway is no subnet", () => {
            const observed = normalizeNetworkInspect(c06a);
            expect(observed.subnet).to.equal(undefined);
            expect(observed.gateway).to.equal(undefined);
        });

        it("C06a Options null", () => {
            const observed = normalizeNetworkInspect(c06a);
            expect(observed.options).to.deep.equal({});
            expect(observed.hnsId).to.equal(undefined);
        });

        it("C06a Labels null", () => {
            expect(normalizeNetworkInspect(c06a).labels).to.deep.equal({});
        });

        it("skips 0.0.0.0/0 and reads the next IPAM config", () => {
            const observed = normalizeNetworkInspect({
                ...c06a,
                IPAM: {
                    Config: [{ Subnet: "0.0.0.0/0" }, { Subnet: "172.25.16.0/20", Gateway: "172.25.16.1" }],
                },
            });
            expect(observed.subnet).to.equal("172.25.16.0/20");
            expect(observed.gateway).to.equal("172.25.16.1");
        });

        it("reads a subnet without gateway", () => {
            const observed = normalizeNetworkInspect({
                ...c06a,
                IPAM: { Config: [{ Subnet: "172.25.16.0/20" }] },
            });
            expect(observed.subnet).to.equal("172.25.16.0/20");
            expect(observed).to.not.have.property("gateway");
        });

        it("reads a gateway written with a length", () => {
            const observed = normalizeNetworkInspect({
                ...c06a,
                IPAM: { Config: [{ Subnet: "172.25.16.0/20", Gateway: "172.25.16.1/20" }] },
            });
            expect(observed.gateway).to.equal("172.25.16.1");
        });

        it("normalizes a subnet with host bits", () => {
            const observed = normalizeNetworkInspect({
                ...c06a,
                IPAM: { Config: [{ Subnet: "172.31.0.1/20" }] },
            });
            expect(observed.subnet).to.equal("172.31.0.0/20");
        });

        it("IPAM Config null", () => {
            const observed = normalizeNetworkInspect({ ...c06a, IPAM: { Driver: "windows", Config: null } });
            expect(observed.subnet).to.equal(undefined);
        });

        it("endpoint without an address", () => {
            const observed = normalizeNetworkInspect({
                ...c06a,
                Containers: { abc: { Name: "starting", IPv4Address: "", MacAddress: "" } },
            });
            expect(observed.endpoints).to.deep.equal([{ containerId: "abc", name: "starting" }]);
        });

        it("drops option values that are not strings", () => {
            const observed = normalizeNetworkInspect({ ...c06a, Options: { [HNSID]: 5, other: "x" } });
            expect(observed.options).to.deep.equal({ other: "x" });
        });
    });
});
