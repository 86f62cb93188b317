// State file storage: atomic writes and encrypted secrets.
import { expect } from "chai";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

import { SECRET_SIG, SIG_KEY } from "../../driver/properties";
import { emptyState, StateStore } from "../../driver/state";
import { StackState } from "../../driver/types";

function stateWithSecret(): StackState {
    const state = emptyState("proj", "dev");
    state.resources.push({
        urn: "urn:pulumi:dev::proj::pulumi-nodejs:dynamic:Resource::r",
        type: "pulumi-nodejs:dynamic:Resource",
        name: "r",
        custom: true,
        id: "r-1",
        inputs: {
            password: { [SIG_KEY]: SECRET_SIG, value: "hunter2" },
            list: [{ [SIG_KEY]: SECRET_SIG, value: 7 }],
        },
        outputs: { plain: "visible" },
        dependencies: [],
    });
    state.outputs = { secretOutput: { [SIG_KEY]: SECRET_SIG, value: { nested: "hunter3" } } };
    return state;
}

describe("driver state store", () => {
    let dir: string;

    beforeEach(() => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "wcn-driver-state-"));
    });

    afterEach(() => {
        fs.rmSync(dir, { recursive: true, force: true });
    });

    it("load returns undefined without a file", () => {
        expect(new StateStore(path.join(dir, "missing.json")).load()).to.equal(undefined);
    });

    it("save encrypts secrets and load restores them", () => {
        const statePath = path.join(dir, "state.json");
        const state = stateWithSecret();
        new StateStore(statePath).save(state);

        const text = fs.readFileSync(statePath, "utf8");
        expect(text).to.not.contain("hunter2");
        expect(text).to.not.contain("hunter3");
        expect(text).to.contain("visible");
        expect(new StateStore(statePath).load()).to.deep.equal(state);
    });

    it("key file is private", () => {
        const store = new StateStore(path.join(dir, "state.json"));
        store.save(stateWithSecret());

        expect(fs.statSync(store.keyPath).mode & 0o777).to.equal(0o600);
    });

    it("save leaves no temporary files", () => {
        const store = new StateStore(path.join(dir, "state.json"));
        store.save(stateWithSecret());
        store.save(stateWithSecret());

        expect(fs.readdirSync(dir).sort()).to.deep.equal(["state.json", "state.json.key"]);
    });

    it("load without the key file names it", () => {
        const store = new StateStore(path.join(dir, "state.json"));
        store.save(stateWithSecret());
        fs.rmSync(store.keyPath);

        expect(() => new StateStore(store.statePath).load()).to.throw(
            /key file .*state\.json\.key is missing/,
        );
    });
});
