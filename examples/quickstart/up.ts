/*
 * Runs `pulumi up` of the quickstart on the simulated host with a local state backend and no
 * prompts. Where the Pulumi CLI is missing it says so and names the lifecycle-driver command that
 * runs the same program.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";

const projectRoot = path.resolve(__dirname, "..", "..", "..");
const stateDir = path.join(projectRoot, ".wcn", "pulumi-state");
const stack = process.env.WCN_QUICKSTART_STACK ?? "dev";

function pulumiAvailable(): boolean {
    const probe = spawnSync("pulumi", ["version"], { stdio: "ignore" });
    return probe.error === undefined && probe.status === 0;
}

function runPulumi(args: string[], env: NodeJS.ProcessEnv): void {
    const result = spawnSync("pulumi", args, { cwd: projectRoot, env, stdio: "inherit" });
    if (result.status !== 0) {
        process.exit(result.status ?? 1);
    }
}

function main(): void {
    if (!pulumiAvailable()) {
        console.error(
            "The Pulumi CLI (pulumi) is not on PATH, so `pulumi up` cannot run here.\n" +
                "Install it from https://www.pulumi.com/docs/install/, or run the same program through the\n" +
                "lifecycle driver that ships with the tests:\n\n" +
                "    npm run quickstart:driver\n",
        );
        process.exit(1);
    }
    fs.mkdirSync(stateDir, { recursive: true });
    const env = {
        ...process.env,
        PULUMI_BACKEND_URL: `file://${stateDir}`,
        PULUMI_CONFIG_PASSPHRASE: process.env.PULUMI_CONFIG_PASSPHRASE ?? "",
        PULUMI_SKIP_UPDATE_CHECK: "true",
    };
    runPulumi(["stack", "select", stack, "--create", "--non-interactive"], env);
    runPulumi(["up", "--yes", "--non-interactive", "--stack", stack], env);
}

main();
