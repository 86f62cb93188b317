import { expect } from "chai";
import { resetClaims } from "../../provider/host/claims";
import { forgetHostFacts } from "../../provider/host/powershell";
import { providerFor } from "../../provider/runtime/handler";
import { setDaemonJson, startService, stopService } from "../../provider/simulator/out-of-band";
import { simulatedTarget } from "../support/targets";

type Props = Record<string, unknown>;

const provider = providerFor("HostNatConfig");

/** HostNatConfig's check and diff on a simulated host, whose facts come from the scripts in pwsh. */
describe("HostNatConfig provider", function () {
    this.timeout(60_000);
    let target: Awaited<ReturnType<typeof simulatedTarget>>;

    before(async () => {
        target = await simulatedTarget("ws2022");
    });

    afterEach(() => resetClaims());

    function config(changes: Props = {}): Props {
        return { host: target.host, owner: "itest/hostnat/a", fixedCidr: "172.30.0.0/16", ...changes };
    }

    it("rejects a setting it does not have", async () => {
        const result = await provider.check!({}, { ...config(), fixedCIDR: "172.30.0.0/16" });
        expect(result.failures?.map((failure) => failure.property)).to.deep.equal(["fixedCIDR"]);
        expect(result.failures?.[0].reason).to.match(/not a HostNatConfig setting/);
    });

    it("rejects a second configuration of one host", async () => {
        expect((await provider.check!({}, config())).failures).to.deep.equal([]);
        const second = await provider.check!({}, config({ owner: "itest/hostnat/b" }));
        expect(second.failures?.map((failure) => failure.property)).to.deep.equal(["host"]);
        expect(second.failures?.[0].reason).to.match(/also configured by itest\/hostnat\/a/);
    });

    it("rejects a daemon.json docker could not start with", async () => {
        await setDaemonJson(target.statePath, '{ "debug": true, ');
        forgetHostFacts(target.host);
        try {
            const result = await provider.check!({}, config());
            expect(result.failures?.map((failure) => failure.property)).to.deep.equal(["host"]);
            expect(result.failures?.[0].reason).to.match(/daemon\.json at .* is not a valid JSON object/);
        } finally {
            await setDaemonJson(target.statePath, null);
            forgetHostFacts(target.host);
        }
    });

    it("says so when the docker service is stopped", async () => {
        await stopService(target.statePath, "docker");
        forgetHostFacts(target.host);
        try {
            const error = await provider.create(config()).catch((caught: Error) => caught);
            expect((error as Error).message).to.match(
                /docker service is stopped on host .*Start-Service docker/,
            );
        } finally {
            await startService(target.statePath, "docker");
            forgetHostFacts(target.host);
        }
    });

    it("updates in place when only the Docker URL changes", async () => {
        const olds = config();
        const news = config({ host: { ...target.host, docker: { url: `${target.host.docker.url}&x=1` } } });
        const result = await provider.diff!("id", olds, news);
        expect(result.changes).to.equal(true);
        expect(result.replaces).to.deep.equal([]);
    });
});
