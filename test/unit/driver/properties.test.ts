// Wire-form property helpers and URNs.
import { expect } from "chai";

import { makeUrn, stackUrn } from "../../driver/context";
import {
    annotateSecrets,
    applyIgnoreChanges,
    changedKeys,
    makeSecret,
    removeUnknownPaths,
    SECRET_SIG,
    SIG_KEY,
    toDisplayValue,
    toProviderMap,
    UNKNOWN_VALUE,
} from "../../driver/properties";

const secret = (value: string) => ({ [SIG_KEY]: SECRET_SIG, value });

describe("driver properties", () => {
    it("toProviderMap removes secret wrappers", () => {
        const map = { a: secret("x"), nested: { b: secret("y") }, list: [secret("z")] };

        expect(toProviderMap(map)).to.deep.equal({ a: "x", nested: { b: "y" }, list: ["z"] });
    });

    it("toProviderMap turns resource references into IDs", () => {
        const reference = { [SIG_KEY]: "5cf8f73096256a8f31e491e813e4eb8e", urn: "urn:x", id: "id-1" };
        const withoutId = { [SIG_KEY]: "5cf8f73096256a8f31e491e813e4eb8e", urn: "urn:y" };

        expect(toProviderMap({ reference, withoutId })).to.deep.equal({
            reference: "id-1",
            withoutId: "urn:y",
        });
    });

    it("annotateSecrets marks same-named outputs", () => {
        const ins = { password: secret("p"), name: "n", nested: { token: secret("t"), plain: 1 } };
        const outs = { password: "p", name: "n", nested: { token: "t", plain: 1 }, extra: "e" };

        expect(annotateSecrets(outs, ins)).to.deep.equal({
            password: secret("p"),
            name: "n",
            nested: { token: secret("t"), plain: 1 },
            extra: "e",
        });
    });

    it("makeSecret does not wrap twice", () => {
        expect(makeSecret(secret("x"))).to.deep.equal(secret("x"));
    });

    it("changedKeys compares values and secretness", () => {
        const olds = { a: 1, b: "x", c: "same", d: [1, 2] };
        const news = { a: 2, b: secret("x"), c: "same", d: [1, 2], e: true };

        expect(changedKeys(olds, news)).to.deep.equal(["a", "b", "e"]);
    });

    it("changedKeys counts unknowns as changes", () => {
        expect(changedKeys({ a: "x" }, { a: UNKNOWN_VALUE })).to.deep.equal(["a"]);
    });

    it("applyIgnoreChanges keeps old top-level values", () => {
        const result = applyIgnoreChanges({ a: 2, b: 2, c: 2 }, { a: 1 }, ["a", "c"]);

        expect(result).to.deep.equal({ a: 1, b: 2 });
    });

    it("toDisplayValue shows unknowns and unwraps secrets", () => {
        expect(toDisplayValue({ a: UNKNOWN_VALUE, b: secret("s"), c: [1] })).to.deep.equal({
            a: "[unknown]",
            b: "s",
            c: [1],
        });
    });

    it("removeUnknownPaths removes only unknowns", () => {
        const map = {
            top: UNKNOWN_VALUE,
            known: "k",
            nested: { gone: UNKNOWN_VALUE, kept: 1 },
            hidden: { [SIG_KEY]: SECRET_SIG, value: UNKNOWN_VALUE },
        };
        const paths = [
            ["top"],
            ["known"],
            ["nested", "gone"],
            ["hidden"],
            ["missing", "x"],
            ["nested", "kept", "y"],
        ];

        expect(removeUnknownPaths(map, paths)).to.deep.equal({ known: "k", nested: { kept: 1 } });
        expect(map.top).to.equal(UNKNOWN_VALUE);
    });

    it("makeUrn leaves out the root stack type", () => {
        const root = stackUrn("proj", "dev");

        expect(root).to.equal("urn:pulumi:dev::proj::pulumi:pulumi:Stack::proj-dev");
        expect(makeUrn("proj", "dev", "pulumi-nodejs:dynamic:Resource", "r", root)).to.equal(
            "urn:pulumi:dev::proj::pulumi-nodejs:dynamic:Resource::r",
        );
    });

    it("makeUrn qualifies types under component parents", () => {
        const parent = makeUrn("proj", "dev", "my:index:Component", "c", "");
        const child = makeUrn("proj", "dev", "pulumi-nodejs:dynamic:Resource", "r", parent);
        const grandchild = makeUrn("proj", "dev", "x:y:Z", "g", child);

        expect(child).to.equal("urn:pulumi:dev::proj::my:index:Component$pulumi-nodejs:dynamic:Resource::r");
        expect(grandchild).to.equal(
            "urn:pulumi:dev::proj::my:index:Component$pulumi-nodejs:dynamic:Resource$x:y:Z::g",
        );
    });
});
