// Lifecycle driver: runs a Pulumi program with the SDK's own runtime and drives the SDK's dynamic-provider gRPC
// server (`@pulumi/pulumi/cmd/dynamic-provider`) the way the Pulumi engine does, keeping a state file between runs.
// It is test and development tooling for machines without the Pulumi CLI; users run the real `pulumi` CLI.
//
// What it reproduces (checked against @pulumi/pulumi 3.248.0 and the Go engine sources): the provider process
// environment and Handshake/Configure calls, Configure with every stack config key namespaced and secrets marked,
// Check (olds = stored inputs), Diff (olds = stored outputs, with DIFF_UNKNOWN falling back to comparing stored and
// new inputs, `__provider` included), Create/Update, replacement with a second Check without old inputs,
// delete-before-replace when Diff or the resource option asks for it and otherwise create-then-delete with the old
// object deleted after all other steps, deletes of undeclared resources in reverse order after a successful
// program, refresh through Read with the stored outputs (so the stored `__provider` runs) and a reversed Diff for
// drift, init failures (errors that carry an `id`) recorded with their ID and outputs, secret propagation from
// inputs to same-named outputs, and preview returning the checked inputs as outputs because the dynamic provider
// does not support previews of Create and Update.
//
// Known differences from the real engine:
// - Steps run one at a time in the order the SDK's RegisterResource calls arrive. That order respects
//   dependencies, because the SDK registers a resource only after its dependencies' URNs resolve, but for
//   independent resources it need not match program order. The engine runs independent steps in parallel (up to
//   `--parallel`), so provider code is not exercised concurrently here.
// - Dependencies are stored in the state but not used for scheduling. When a step fails, every later
//   registration fails too, where the engine would let steps that are already running finish.
// - A delete-before-replace replacement does not first delete the dependents that the engine would replace with
//   it (the engine's dependent-replacement calculation is not implemented).
// - Only `pulumi-nodejs:dynamic` resources and component resources are supported: no other provider plugins, no
//   explicit provider resources, no `import`, `Resource.get`, invokes, remote components, stack transforms,
//   aliases, `deletedWith`, hooks or custom timeouts. `ignoreChanges` and `replaceOnChanges` accept top-level
//   property names only.
// - Preview unknowns come from the SDK itself: an input built from an output that is unknown in this preview
//   (such as the ID of a resource that would be created) reaches the provider as the engine's unknown sentinel.
//   As the engine does, the driver returns the checked inputs as the outputs of a previewed create, update or
//   replacement. The program gets unknown values for the ID of a new object and for outputs of a changed
//   resource that are not also inputs. Because the SDK resolves every missing property as unknown in preview,
//   it also gets them for properties that an unchanged resource does not have. Unlike the CLI, which shows a
//   diff of the stack outputs, the driver shows their values. It leaves out outputs of that last kind, so an
//   absent output shows as absent (language-host.ts explains how, and which cases it cannot see).
// - A previewed create-before-delete replacement left pending by an earlier failed `up` is not listed as a
//   delete; `up` deletes it.
// - Configuration comes only from DriverOptions (no Pulumi.<stack>.yaml). The stack resource itself is not
//   stored in `resources`; its outputs are stored in `outputs`.
// - Secrets in the state file are encrypted with a random key in `<statePath>.key`, not with a Pulumi secrets
//   provider, so the file cannot be imported with `pulumi stack import`.
// - The engine address given to the provider server is a placeholder: the 3.248.0 server never dials it.
// - Child processes end with the driver. SIGINT and SIGTERM kill the provider server and the program process at
//   once and exit with 130 and 143, where the CLI cancels on the first SIGINT (in recent versions also SIGTERM)
//   and terminates only on the second. SIGKILL cannot be handled, so the server runs under
//   dynamic-provider-entry.js, which exits when its stdin pipe from the driver closes, and the program process
//   exits when its IPC channel closes. The server thus reads its stdin, and a provider call that is still
//   running is cut off. Judging by its code, the SDK's server (3.248.0) keeps running when the real `pulumi` is
//   killed with SIGKILL, because it neither dials the engine nor watches its parent.
// - A step cut off this way leaves no trace in the state file: the driver keeps no pending operations, where the
//   engine's checkpoint records them and reports them on the next run. An object that the step created may
//   therefore exist without being in the state.
// - After a failed registration the program gets three seconds to finish, then the driver ends it, where the
//   engine cancels it at once. Errors the program raises in that time are in the log.
import * as fs from "fs";
import * as path from "path";

import { EngineContext, errorMessage, stackUrn } from "./context";
import { runDeletePhase, runDestroy } from "./deletes";
import { Deployment } from "./deployment";
import { runProgram } from "./program-host";
import { makeSecret, toDisplayValue } from "./properties";
import { ProviderServer } from "./provider-server";
import { Recorder } from "./recorder";
import { runRefresh } from "./refresh";
import { Snapshot } from "./snapshot";
import { emptyState, StateStore } from "./state";
import { DriverOptions, DriverResult, PropertyMap, StackState } from "./types";

export * from "./types";

interface Settings {
    projectRoot: string;
    project: string;
    stack: string;
    /** Namespaced key to plaintext value. */
    config: Record<string, string>;
    secretKeys: string[];
}

export async function runDriver(options: DriverOptions): Promise<DriverResult> {
    const store = new StateStore(path.resolve(options.statePath));
    const recorder = new Recorder();
    let state: StackState | undefined;
    let settings: Settings | undefined;
    try {
        const loaded = store.load();
        settings = resolveSettings(options, loaded);
        state = loaded ?? emptyState(settings.project, settings.stack);
        state = await runOperation(options, settings, store, state, recorder);
    } catch (error) {
        const urn = settings ? stackUrn(settings.project, settings.stack) : "";
        recorder.fail({ urn, reason: errorMessage(error) });
    }
    return buildResult(options, settings, state, recorder);
}

async function runOperation(
    options: DriverOptions,
    settings: Settings,
    store: StateStore,
    state: StackState,
    recorder: Recorder,
): Promise<StackState> {
    const dryRun = options.operation === "preview";
    const snapshot = new Snapshot(state, dryRun ? undefined : store);
    const server = await ProviderServer.start({
        projectRoot: settings.projectRoot,
        project: settings.project,
        config: settings.config,
        env: options.env ?? {},
        onOutput: (line) => recorder.log(line),
    });
    try {
        await configureProvider(server, settings, recorder);
        const ctx: EngineContext = { ...settings, provider: server.client, snapshot, recorder, dryRun };
        if (options.refresh || options.operation === "refresh") {
            await runRefresh(ctx);
        }
        if (!recorder.failed && (options.operation === "preview" || options.operation === "up")) {
            await runUpdate(ctx, options, settings);
        }
        if (!recorder.failed && options.operation === "destroy") {
            await runDestroy(ctx);
        }
    } finally {
        await server.stop();
    }
    return snapshot.toState();
}

async function configureProvider(
    server: ProviderServer,
    settings: Settings,
    recorder: Recorder,
): Promise<void> {
    const client = server.client;
    await client.handshake(server.address, settings.projectRoot);
    recorder.log(
        `dynamic provider server ${await client.pluginVersion()} at ${server.address} (${server.scriptPath})`,
    );
    const args: PropertyMap = {};
    const variables: Record<string, string> = {};
    for (const [key, value] of Object.entries(settings.config)) {
        args[key] = settings.secretKeys.includes(key) ? makeSecret(value) : value;
        variables[`pulumi-nodejs:config:${key}`] = value;
    }
    await client.configure(args, variables);
}

/** Runs the program against the snapshot (preview or up), then the delete phase if everything succeeded. */
async function runUpdate(ctx: EngineContext, options: DriverOptions, settings: Settings): Promise<void> {
    const deployment = new Deployment(ctx);
    const programPath = path.resolve(options.programPath);
    if (!fs.existsSync(programPath)) {
        throw new Error(
            `program ${programPath} does not exist; build it first (the driver runs compiled JavaScript)`,
        );
    }
    const errors = await runProgram({ ...settings, programPath, dryRun: ctx.dryRun }, options.env ?? {}, {
        register: (request) => deployment.register(request),
        registerOutputs: (urn, outputs, absentPaths) => deployment.registerOutputs(urn, outputs, absentPaths),
        onOutput: (line) => ctx.recorder.log(line),
    });
    ctx.recorder.logProgramErrors(errors);
    if (errors.length > 0 && !ctx.recorder.failed) {
        // The first line is the message, and the stack trace stays in the log.
        ctx.recorder.fail({
            urn: stackUrn(ctx.project, ctx.stack),
            reason: `the program failed: ${errors[0].split("\n")[0]}`,
        });
    }
    if (!ctx.recorder.failed) {
        await runDeletePhase(ctx);
    }
}

function resolveSettings(options: DriverOptions, state: StackState | undefined): Settings {
    const projectRoot = path.resolve(
        options.projectRoot ?? findProjectRoot(path.resolve(options.programPath)),
    );
    const project = options.project ?? readProjectName(projectRoot) ?? state?.project ?? "project";
    const stack = options.stack ?? state?.stack ?? "dev";
    if (state && (state.project !== project || state.stack !== stack)) {
        throw new Error(
            `state file ${options.statePath} belongs to ${state.project}/${state.stack}, not ${project}/${stack}`,
        );
    }
    const qualify = (key: string) => (key.includes(":") ? key : `${project}:${key}`);
    const config: Record<string, string> = {};
    for (const [key, value] of Object.entries(options.config ?? {})) {
        config[qualify(key)] = value;
    }
    const secretKeys: string[] = [];
    for (const [key, value] of Object.entries(options.secretConfig ?? {})) {
        config[qualify(key)] = value;
        secretKeys.push(qualify(key));
    }
    return { projectRoot, project, stack, config, secretKeys };
}

/**
 * Returns the nearest directory at or above the program's that contains Pulumi.yaml, as the CLI locates the
 * project, or the program's directory when there is none.
 */
function findProjectRoot(programPath: string): string {
    const programDir = path.dirname(programPath);
    for (let dir = programDir; ; dir = path.dirname(dir)) {
        if (fs.existsSync(path.join(dir, "Pulumi.yaml"))) {
            return dir;
        }
        if (path.dirname(dir) === dir) {
            return programDir;
        }
    }
}

/** Reads the top-level `name:` of Pulumi.yaml, if the project root has one. */
function readProjectName(projectRoot: string): string | undefined {
    const file = path.join(projectRoot, "Pulumi.yaml");
    if (!fs.existsSync(file)) {
        return undefined;
    }
    const match = /^name:\s*["']?([^"'\s#]+)/m.exec(fs.readFileSync(file, "utf8"));
    return match?.[1];
}

function buildResult(
    options: DriverOptions,
    settings: Settings | undefined,
    state: StackState | undefined,
    recorder: Recorder,
): DriverResult {
    const outputs: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(state?.outputs ?? {})) {
        outputs[key] = toDisplayValue(value);
    }
    if (options.expectNoChanges && recorder.hasChanges()) {
        const urn = settings ? stackUrn(settings.project, settings.stack) : "";
        recorder.fail({ urn, reason: "no changes were expected but changes were proposed" });
    }
    const log = recorder.render(options.operation, settings?.stack ?? "", outputs);
    return { ok: !recorder.failed, steps: recorder.steps, failures: recorder.failures, outputs, log };
}
