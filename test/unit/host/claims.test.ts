import { expect } from "chai";
import { claimNetwork, resetClaims } from "../../../provider/host/claims";

describe("claimNetwork", () => {
    beforeEach(() => resetClaims());

    it("accepts the first claim of a name", () => {
        const conflicts = claimNetwork("sim:a", { owner: "p/s/one", name: "app", subnet: "172.20.0.0/24" });
        expect(conflicts.sameName).to.equal(undefined);
        expect(conflicts.overlapping).to.deep.equal([]);
    });

    it("reports a second owner of the same name", () => {
        claimNetwork("sim:a", { owner: "p/s/one", name: "app" });
        const conflicts = claimNetwork("sim:a", { owner: "p/s/two", name: "app" });
        expect(conflicts.sameName).to.equal("p/s/one");
    });

    it("lets one owner check again", () => {
        claimNetwork("sim:a", { owner: "p/s/one", name: "app", subnet: "172.20.0.0/24" });
        const conflicts = claimNetwork("sim:a", { owner: "p/s/one", name: "app", subnet: "172.20.0.0/24" });
        expect(conflicts.sameName).to.equal(undefined);
        expect(conflicts.overlapping).to.deep.equal([]);
    });

    it("reports overlapping subnets of other owners", () => {
        claimNetwork("sim:a", { owner: "p/s/one", name: "wide", subnet: "172.31.0.0/16" });
        const conflicts = claimNetwork("sim:a", {
            owner: "p/s/two",
            name: "narrow",
            subnet: "172.31.5.0/24",
        });
        expect(conflicts.overlapping.map((claim) => claim.name)).to.deep.equal(["wide"]);
    });

    it("keeps hosts apart", () => {
        claimNetwork("sim:a", { owner: "p/s/one", name: "app", subnet: "172.20.0.0/24" });
        const conflicts = claimNetwork("sim:b", { owner: "p/s/two", name: "app", subnet: "172.20.0.0/24" });
        expect(conflicts.sameName).to.equal(undefined);
        expect(conflicts.overlapping).to.deep.equal([]);
    });

    it("forgets a renamed claim of the same owner", () => {
        claimNetwork("sim:a", { owner: "p/s/one", name: "old-name" });
        claimNetwork("sim:a", { owner: "p/s/one", name: "new-name" });
        const conflicts = claimNetwork("sim:a", { owner: "p/s/two", name: "old-name" });
        expect(conflicts.sameName).to.equal(undefined);
    });
});
