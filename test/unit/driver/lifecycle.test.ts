// Lifecycle behaviour of the driver against the fake system, through the real dynamic-provider server.
import { expect } from "chai";

import { writeStore } from "../../driver/testdata/fake-record";
import { RecordSpec } from "../../driver/testdata/program";
import { changeLog, DriverFixture, expectOk, sortedSteps, stepList } from "./fixture";

const alpha: RecordSpec = { name: "alpha", key: "ka", value: "one" };
const beta: RecordSpec = { name: "beta", key: "kb", value: "two" };
/** Depends on alpha through its value, so the SDK registers it only after alpha. */
const gamma: RecordSpec = { name: "gamma", key: "kc", valueFrom: "alpha" };

/**
 * Returns the `[program error]` entries of a driver log without their repeat counts. An entry runs to the next
 * log line, because a stack trace continues on lines of its own.
 */
function programErrors(log: string): string[] {
    return log
        .split(/\n {4}(?=\[)/)
        .filter((entry) => entry.startsWith("[program error] "))
        .map((entry) => entry.replace(/^\[program error\] (\(reported \d+ times\) )?/, ""));
}

describe("lifecycle driver", function () {
    this.timeout(120_000);
    let fixture: DriverFixture;

    beforeEach(() => {
        fixture = new DriverFixture();
    });

    afterEach(() => {
        fixture.cleanup();
    });

    it("up creates every declared resource", async () => {
        const result = expectOk(await fixture.run("up", [alpha, beta]));

        expect(sortedSteps(result)).to.deep.equal(["create alpha", "create beta"]);
        expect(
            Object.values(fixture.store().objects)
                .map((o) => o.key)
                .sort(),
        ).to.deep.equal(["ka", "kb"]);
        expect(
            fixture
                .rawState()
                .resources.map((r) => r.name)
                .sort(),
        ).to.deep.equal(["alpha", "beta"]);
        expect(result.outputs).to.deep.equal({ recordCount: 2, values: { alpha: "one", beta: "two" } });
    });

    it("second up reports same everywhere", async () => {
        expectOk(await fixture.run("up", [alpha, beta]));
        const result = expectOk(await fixture.run("up", [alpha, beta]));

        expect(sortedSteps(result)).to.deep.equal(["same alpha", "same beta"]);
        expect(fixture.store().log.map((entry) => entry.op)).to.deep.equal(["create", "create"]);
    });

    it("changed value updates in place", async () => {
        expectOk(await fixture.run("up", [alpha]));
        const result = expectOk(await fixture.run("up", [{ ...alpha, value: "uno" }]));

        expect(stepList(result)).to.deep.equal(["update alpha"]);
        expect(result.steps[0].diffs).to.deep.equal(["value"]);
        expect(fixture.store().objects["ka-1"].value).to.equal("uno");
        expect(fixture.rawState().resources[0].outputs.value).to.equal("uno");
    });

    it("changed key replaces delete-before-create", async () => {
        expectOk(await fixture.run("up", [alpha]));
        const result = expectOk(await fixture.run("up", [{ ...alpha, key: "kz" }]));

        expect(stepList(result)).to.deep.equal(["replace alpha"]);
        expect(result.steps[0].detail).to.contain("delete-before-replace");
        expect(changeLog(fixture.store())).to.deep.equal(["create ka-1", "delete ka-1", "create kz-2"]);
        expect(fixture.rawState().resources.map((r) => r.id)).to.deep.equal(["kz-2"]);
    });

    it("changed zone replaces create-before-delete", async () => {
        expectOk(await fixture.run("up", [alpha, gamma]));
        const result = expectOk(await fixture.run("up", [{ ...alpha, zone: "b" }, gamma]));

        expect(stepList(result)).to.deep.equal(["replace alpha", "update gamma"]);
        expect(result.steps[0].detail).to.contain("create-before-delete");
        // The old object goes only after every other step, as the engine schedules replaced deletes.
        expect(changeLog(fixture.store())).to.deep.equal([
            "create ka-1",
            "create kc-2",
            "create ka-3",
            "update kc-2",
            "delete ka-1",
        ]);
        expect(fixture.store().objects["kc-2"].value).to.equal("from-ka-3");
        expect(fixture.rawState().resources.map((r) => r.id)).to.deep.equal(["ka-3", "kc-2"]);
    });

    it("deleteBeforeReplace option overrides the provider", async () => {
        expectOk(await fixture.run("up", [alpha]));
        const result = expectOk(
            await fixture.run("up", [{ ...alpha, zone: "b", deleteBeforeReplace: true }]),
        );

        expect(result.steps[0].detail).to.contain("delete-before-replace");
        expect(changeLog(fixture.store())).to.deep.equal(["create ka-1", "delete ka-1", "create ka-2"]);
    });

    it("removed resource is deleted", async () => {
        expectOk(await fixture.run("up", [alpha, beta]));
        const betaId = fixture.rawState().resources.find((r) => r.name === "beta")!.id;
        const result = expectOk(await fixture.run("up", [beta]));

        expect(stepList(result)).to.deep.equal(["same beta", "delete alpha"]);
        expect(Object.keys(fixture.store().objects)).to.deep.equal([betaId]);
        expect(fixture.rawState().resources.map((r) => r.name)).to.deep.equal(["beta"]);
    });

    it("removed resources are deleted in reverse order", async () => {
        expectOk(await fixture.run("up", [alpha, gamma]));
        const result = expectOk(await fixture.run("up", []));

        expect(stepList(result)).to.deep.equal(["delete gamma", "delete alpha"]);
    });

    it("refresh reports deleted object gone", async () => {
        expectOk(await fixture.run("up", [alpha, beta]));
        const alphaId = fixture.rawState().resources.find((r) => r.name === "alpha")!.id;
        const store = fixture.store();
        delete store.objects[alphaId];
        writeStore(fixture.storePath, store);

        const refreshed = expectOk(await fixture.run("refresh", [alpha, beta]));
        expect(sortedSteps(refreshed)).to.deep.equal(["read-gone alpha", "refresh beta"]);
        expect(fixture.rawState().resources.map((r) => r.name)).to.deep.equal(["beta"]);

        const next = expectOk(await fixture.run("up", [alpha, beta]));
        expect(sortedSteps(next)).to.deep.equal(["create alpha", "same beta"]);
        expect(
            Object.values(fixture.store().objects)
                .map((o) => o.key)
                .sort(),
        ).to.deep.equal(["ka", "kb"]);
        expect(changeLog(fixture.store()).pop()).to.equal("create ka-3");
    });

    it("refresh reports drift that the provider diff finds", async () => {
        expectOk(await fixture.run("up", [alpha]));
        const store = fixture.store();
        store.objects["ka-1"].value = "changed-outside";
        writeStore(fixture.storePath, store);

        const result = expectOk(await fixture.run("refresh", [alpha]));

        expect(stepList(result)).to.deep.equal(["drift alpha"]);
        expect(fixture.rawState().resources[0].outputs.value).to.equal("changed-outside");
        // Refresh keeps the stored inputs, so the next up puts the declared value back.
        const next = expectOk(await fixture.run("up", [alpha]));
        expect(stepList(next)).to.deep.equal(["update alpha"]);
        expect(fixture.store().objects["ka-1"].value).to.equal("one");
    });

    it("preview changes neither state nor objects", async () => {
        expectOk(await fixture.run("up", [alpha]));
        const stateBefore = fixture.stateText();
        const storeBefore = JSON.stringify(fixture.store());

        const result = expectOk(await fixture.run("preview", [{ ...alpha, value: "uno" }, beta]));

        expect(sortedSteps(result)).to.deep.equal(["create beta", "update alpha"]);
        expect(fixture.stateText()).to.equal(stateBefore);
        expect(JSON.stringify(fixture.store())).to.equal(storeBefore);
    });

    it("preview lists deletes without running them", async () => {
        expectOk(await fixture.run("up", [alpha, beta]));
        const storeBefore = JSON.stringify(fixture.store());
        const result = expectOk(await fixture.run("preview", [alpha]));

        expect(stepList(result)).to.deep.equal(["same alpha", "delete beta"]);
        expect(JSON.stringify(fixture.store())).to.equal(storeBefore);
    });

    it("preview shows outputs of new resources as unknown", async () => {
        const result = expectOk(await fixture.run("preview", [alpha, gamma]));

        expect(stepList(result)).to.deep.equal(["create alpha", "create gamma"]);
        expect(result.outputs.values).to.equal("[unknown]");
        expect(fixture.stateText()).to.equal("");
    });

    it("preview leaves absent outputs out", async () => {
        const exportPorts = { "fake:exportPorts": "true" };
        const up = expectOk(await fixture.run("up", [alpha], { config: exportPorts }));
        expect(up.outputs).to.not.have.property("firstPort");
        expect(up.outputs.ports).to.deep.equal({});

        const result = expectOk(await fixture.run("preview", [alpha, beta], { config: exportPorts }));

        expect(sortedSteps(result)).to.deep.equal(["create beta", "same alpha"]);
        expect(result.outputs).to.not.have.property("firstPort");
        // beta would be created, so the provider may still return a port for it.
        expect(result.outputs.ports).to.deep.equal({ beta: "[unknown]" });
    });

    it("preview shows changed resource outputs as unknown", async () => {
        const exportPorts = { "fake:exportPorts": "true" };
        expectOk(await fixture.run("up", [{ ...alpha, port: 8080 }, beta], { config: exportPorts }));

        const same = expectOk(
            await fixture.run("preview", [{ ...alpha, port: 8080 }, beta], { config: exportPorts }),
        );
        expect(same.outputs.firstPort).to.equal(8080);
        expect(same.outputs.ports).to.deep.equal({ alpha: 8080 });

        const changed = expectOk(
            await fixture.run("preview", [alpha, { ...beta, value: "zwei" }], { config: exportPorts }),
        );
        expect(sortedSteps(changed)).to.deep.equal(["update alpha", "update beta"]);
        expect(changed.outputs.firstPort).to.equal("[unknown]");
        expect(changed.outputs.ports).to.deep.equal({ alpha: "[unknown]", beta: "[unknown]" });
    });

    it("preview --refresh --expect-no-changes fails on drift", async () => {
        expectOk(await fixture.run("up", [alpha]));
        const store = fixture.store();
        store.objects["ka-1"].value = "changed-outside";
        writeStore(fixture.storePath, store);
        const stateBefore = fixture.stateText();

        const result = await fixture.run("preview", [alpha], { refresh: true, expectNoChanges: true });

        expect(result.ok).to.equal(false);
        expect(stepList(result)).to.deep.equal(["drift alpha", "update alpha"]);
        expect(result.failures.map((f) => f.reason)).to.deep.equal([
            "no changes were expected but changes were proposed",
        ]);
        expect(fixture.stateText()).to.equal(stateBefore);
    });

    it("expect-no-changes passes when nothing changed", async () => {
        expectOk(await fixture.run("up", [alpha]));
        const result = await fixture.run("preview", [alpha], { refresh: true, expectNoChanges: true });

        expect(result.ok).to.equal(true);
        expect(stepList(result)).to.deep.equal(["refresh alpha", "same alpha"]);
    });

    it("check failures carry property paths", async () => {
        const result = await fixture.run("up", [{ ...alpha, port: 70000, mtu: 100 }]);

        expect(result.ok).to.equal(false);
        expect(stepList(result)).to.deep.equal(["check-failed alpha"]);
        expect(result.failures.map((f) => [f.property, f.reason])).to.deep.equal([
            ["port", "port 70000 is outside 1-65535"],
            ["settings.mtu", "mtu 100 is below 576"],
        ]);
        expect(fixture.store().log).to.deep.equal([]);
    });

    it("check failure stops dependent resources", async () => {
        const result = await fixture.run("up", [{ ...alpha, key: "" }, gamma]);

        expect(result.ok).to.equal(false);
        expect(stepList(result)).to.deep.equal(["check-failed alpha"]);
        expect(result.failures[0].property).to.equal("key");
        expect(fixture.store().log).to.deep.equal([]);
    });

    it("repeated program errors are logged once", async () => {
        const result = await fixture.run("up", [{ ...alpha, key: "" }, gamma, beta]);

        expect(result.ok).to.equal(false);
        const entries = programErrors(result.log);
        expect(entries.length).to.be.greaterThan(0);
        expect(new Set(entries).size).to.equal(entries.length);
        expect(entries[0]).to.match(
            /^Error: error serializing property "value": failed to register new resource alpha/,
        );
    });

    it("create that throws with an id is recorded", async () => {
        const result = await fixture.run("up", [{ ...alpha, failInit: true }, gamma]);

        expect(result.ok).to.equal(false);
        expect(stepList(result)).to.deep.equal(["failed alpha"]);
        const [entry] = fixture.rawState().resources;
        expect(entry.id).to.equal("ka-1");
        expect(entry.initErrors).to.deep.equal(["fake initialization failure"]);
        expect(entry.outputs.value).to.equal("one");
        // The recorded object is not leaked: destroy finds and deletes it.
        expectOk(await fixture.run("destroy", []));
        expect(fixture.store().objects).to.deep.equal({});
    });

    it("init errors cause an update", async () => {
        await fixture.run("up", [{ ...alpha, failInit: true }]);
        const result = expectOk(await fixture.run("up", [alpha]));

        expect(stepList(result)).to.deep.equal(["update alpha"]);
        expect(fixture.rawState().resources[0].initErrors).to.equal(undefined);
    });

    it("destroy empties the state and the fake system", async () => {
        expectOk(await fixture.run("up", [alpha, beta, gamma]));
        const result = expectOk(await fixture.run("destroy", []));

        expect(sortedSteps(result)).to.deep.equal(["delete alpha", "delete beta", "delete gamma"]);
        const order = stepList(result);
        expect(order.indexOf("delete gamma")).to.be.lessThan(order.indexOf("delete alpha"));
        expect(fixture.rawState().resources).to.deep.equal([]);
        expect(fixture.rawState().outputs).to.deep.equal({});
        expect(fixture.store().objects).to.deep.equal({});
    });

    it("protected resource is not destroyed", async () => {
        expectOk(await fixture.run("up", [{ ...alpha, protect: true }]));
        const result = await fixture.run("destroy", []);

        expect(result.ok).to.equal(false);
        expect(result.failures[0].reason).to.contain("protected");
        expect(Object.keys(fixture.store().objects)).to.deep.equal(["ka-1"]);
    });

    it("provider code runs in the dynamic-provider process", async () => {
        expectOk(await fixture.run("up", [alpha]));
        expectOk(await fixture.run("up", [{ ...alpha, value: "uno" }]));
        expectOk(await fixture.run("destroy", []));

        const log = fixture.store().log;
        expect(log.map((entry) => entry.op)).to.deep.equal(["create", "update", "delete"]);
        for (const entry of log) {
            expect(entry.script).to.match(/@pulumi[\\/]pulumi[\\/]cmd[\\/]dynamic-provider[\\/]index\.js$/);
            expect(entry.pid).to.not.equal(process.pid);
        }
        expect(new Set(log.map((entry) => entry.pid)).size).to.equal(3);
    });

    it("Configure delivers stack config", async () => {
        expectOk(await fixture.run("up", [alpha]));

        expect(fixture.rawState().resources[0].outputs.greeting).to.equal("hello");
    });

    it("secret inputs stay encrypted", async () => {
        const result = expectOk(await fixture.run("up", [{ ...alpha, secretToken: true }]));

        expect(stepList(result)).to.deep.equal(["create alpha"]);
        expect(fixture.stateText()).to.not.contain("s3cr3t-token");
        const entry = fixture.rawState().resources[0];
        expect(entry.inputs.token).to.have.property("ciphertext");
        expect(entry.outputs.token).to.have.property("ciphertext");
        // The stored secret still decrypts for the provider: a second up finds no change.
        const next = expectOk(await fixture.run("up", [{ ...alpha, secretToken: true }]));
        expect(stepList(next)).to.deep.equal(["same alpha"]);
    });

    it("provider console output appears in the log", async () => {
        const result = expectOk(await fixture.run("up", [alpha]));

        expect(result.log).to.contain("[provider stderr] fake-record: created ka-1");
    });

    it("program error skips the delete phase", async () => {
        expectOk(await fixture.run("up", [alpha, beta]));
        const result = await fixture.run("up", [alpha], { config: { "fake:failProgram": "boom" } });

        expect(result.ok).to.equal(false);
        expect(result.failures[0].reason).to.contain("boom");
        expect(stepList(result)).to.deep.equal(["same alpha"]);
        expect(
            Object.values(fixture.store().objects)
                .map((o) => o.key)
                .sort(),
        ).to.deep.equal(["ka", "kb"]);
        expect(
            fixture
                .rawState()
                .resources.map((r) => r.name)
                .sort(),
        ).to.deep.equal(["alpha", "beta"]);
    });

    it("echoed secret config stays plaintext", async () => {
        // The engine marks outputs secret only by the name of a secret input; `greeting` comes from config.
        const result = await fixture.run("up", [alpha], {
            secretConfig: { "fake:greeting": "secret-greeting" },
        });

        expectOk(result);
        expect(fixture.rawState().resources[0].outputs.greeting).to.equal("secret-greeting");
    });

    it("up --refresh recreates deleted object", async () => {
        expectOk(await fixture.run("up", [alpha]));
        writeStore(fixture.storePath, { ...fixture.store(), objects: {} });

        const result = expectOk(await fixture.run("up", [alpha], { refresh: true }));

        expect(stepList(result)).to.deep.equal(["read-gone alpha", "create alpha"]);
        expect(Object.keys(fixture.store().objects)).to.deep.equal(["ka-2"]);
    });

    it("preview shows key change as replace", async () => {
        expectOk(await fixture.run("up", [alpha]));
        const storeBefore = JSON.stringify(fixture.store());

        const result = expectOk(await fixture.run("preview", [{ ...alpha, key: "kz" }]));

        expect(stepList(result)).to.deep.equal(["replace alpha"]);
        expect(result.steps[0].diffs).to.deep.equal(["key"]);
        expect(JSON.stringify(fixture.store())).to.equal(storeBefore);
    });

    it("delete runs stored provider code", async () => {
        expectOk(await fixture.run("up", [alpha]));
        // New provider code with unchanged inputs: the provider's diff reports no change, so only the stored
        // inputs take the new `__provider`; the outputs keep the code that created the object.
        const same = expectOk(await fixture.run("up", [alpha], { config: { "fake:providerVersion": "v2" } }));
        expect(stepList(same)).to.deep.equal(["same alpha"]);
        const entry = fixture.rawState().resources[0];
        expect(entry.inputs.__provider).to.not.equal(entry.outputs.__provider);

        expectOk(await fixture.run("destroy", []));

        expect(fixture.store().log.map((e) => `${e.op} ${e.version}`)).to.deep.equal([
            "create v1",
            "delete v1",
        ]);
    });

    it("update stores new provider code", async () => {
        expectOk(await fixture.run("up", [alpha]));
        const v2 = { "fake:providerVersion": "v2" };
        expectOk(await fixture.run("up", [{ ...alpha, value: "uno" }], { config: v2 }));
        expectOk(await fixture.run("destroy", []));

        expect(fixture.store().log.map((e) => `${e.op} ${e.version}`)).to.deep.equal([
            "create v1",
            "update v2",
            "delete v2",
        ]);
    });

    it("children of a component get qualified URNs", async () => {
        const group = { "fake:group": "grp" };
        const result = expectOk(await fixture.run("up", [alpha, gamma], { config: group }));

        expect(stepList(result)).to.deep.equal(["create grp", "create alpha", "create gamma"]);
        expect(fixture.rawState().resources.map((r) => r.urn)).to.deep.equal([
            "urn:pulumi:dev::drivertest::fake:index:Group::grp",
            "urn:pulumi:dev::drivertest::fake:index:Group$pulumi-nodejs:dynamic/fake:Record::alpha",
            "urn:pulumi:dev::drivertest::fake:index:Group$pulumi-nodejs:dynamic/fake:Record::gamma",
        ]);
        const destroyed = expectOk(await fixture.run("destroy", []));
        expect(stepList(destroyed)).to.deep.equal(["delete gamma", "delete alpha", "delete grp"]);
    });

    it("state of another stack is rejected", async () => {
        expectOk(await fixture.run("up", [alpha]));
        const result = await fixture.run("up", [alpha], { stack: "prod" });

        expect(result.ok).to.equal(false);
        expect(result.failures[0].reason).to.contain("belongs to drivertest/dev, not drivertest/prod");
        expect(fixture.store().log.length).to.equal(1);
    });
});
