import { expect } from "chai";
import { encodeOperationInput, MAX_INPUT_DEPTH } from "../../../provider/powershell/operation";
import { redactServerText } from "../../../provider/winrm/faults";

function nested(depth: number): unknown {
    let value: unknown = "leaf";
    for (let level = 0; level < depth; level += 1) {
        value = { n: value };
    }
    return value;
}

describe("operation input shape", () => {
    it("accepts input at the depth limit", () => {
        expect(() => encodeOperationInput(nested(MAX_INPUT_DEPTH))).not.to.throw();
    });

    it("rejects input deeper than the limit", () => {
        expect(() => encodeOperationInput({ set: nested(MAX_INPUT_DEPTH) })).to.throw(
            /input\.set(\.n)+ is nested deeper than 8 levels/,
        );
    });

    it("rejects an unpaired surrogate", () => {
        expect(() => encodeOperationInput({ name: "a\uD800b" })).to.throw(
            /input\.name contains an unpaired UTF-16 surrogate/,
        );
    });

    it("keeps paired surrogates", () => {
        const encoded = encodeOperationInput({ name: "emoji \uD83D\uDE00" });
        expect(JSON.parse(Buffer.from(encoded, "base64").toString("utf8")).name).to.equal(
            "emoji \uD83D\uDE00",
        );
    });
});

describe("redactServerText", () => {
    it("removes an echoed Basic credential", () => {
        const text = redactServerText("bad request, Authorization: Basic d2NuYWRtaW46c2VjcmV0UGFzcw==");
        expect(text).not.to.include("d2NuYWRtaW46c2VjcmV0UGFzcw==");
        expect(text).to.include("[redacted]");
    });

    it("removes a Negotiate token", () => {
        expect(redactServerText("token Negotiate TlRMTVNTUAABAAAAB4IIog==")).to.equal(
            "token Negotiate [redacted]",
        );
    });

    it("shortens long text", () => {
        const text = redactServerText("x".repeat(5000));
        expect(text.length).to.be.below(700);
        expect(text).to.match(/\(shortened\)$/);
    });
});
