// Public types of the lifecycle driver, plus the state and IPC shapes shared by its modules.

/** A Pulumi CLI operation that the driver reproduces. */
export type Operation = "preview" | "up" | "refresh" | "destroy";

export interface DriverOptions {
    operation: Operation;
    /** Compiled JavaScript entry point of the Pulumi program (ignored by `refresh` and `destroy`). */
    programPath: string;
    /** JSON state file, created on the first `up`. */
    statePath: string;
    /**
     * Working directory of the program and of the provider server. Defaults to the nearest directory at or above
     * the program that contains Pulumi.yaml, else the program's directory.
     */
    projectRoot?: string;
    /** Stack name; defaults to the name stored in the state file, else "dev". */
    stack?: string;
    /** Project name; defaults to `name:` in `<projectRoot>/Pulumi.yaml`, else the state file's, else "project". */
    project?: string;
    /** Plain configuration; a key without a namespace gets the project name as namespace, as `pulumi config set` does. */
    config?: Record<string, string>;
    /** Secret configuration, same key rules as `config`. */
    secretConfig?: Record<string, string>;
    /** Refresh before the operation (`preview --refresh`, `up --refresh`). */
    refresh?: boolean;
    /** Fail when the operation proposes or makes any change (`--expect-no-changes`). */
    expectNoChanges?: boolean;
    /** Extra environment variables for the program process and the provider server process. */
    env?: Record<string, string>;
}

export type StepOp =
    | "create"
    | "update"
    | "replace"
    | "delete"
    | "same"
    | "refresh"
    | "read-gone"
    | "drift"
    | "check-failed"
    | "failed";

export interface DriverStep {
    op: StepOp;
    urn: string;
    type: string;
    name: string;
    detail?: string;
    /** Top-level property names that differ, when the step comes from a diff. */
    diffs?: string[];
}

export interface DriverFailure {
    urn: string;
    /** Property path reported by the provider's `check`, if the failure is a check failure. */
    property?: string;
    reason: string;
}

export interface DriverResult {
    ok: boolean;
    steps: DriverStep[];
    failures: DriverFailure[];
    /**
     * Stack outputs: secrets are shown as plaintext and values unknown during preview as "[unknown]". An output
     * that is a property missing from an unchanged resource's outputs is left out, as after `up`.
     */
    outputs: Record<string, unknown>;
    /** Human-readable summary followed by program and provider output. */
    log: string;
}

/** A property value in the engine's wire form: secrets are signature-tagged objects, unknowns a sentinel string. */
export type PropertyValue = null | boolean | number | string | PropertyValue[] | PropertyMap;
export interface PropertyMap {
    [key: string]: PropertyValue;
}

/** One resource in the state file. */
export interface ResourceState {
    urn: string;
    type: string;
    name: string;
    custom: boolean;
    /** Provider-assigned ID; empty for component resources. */
    id: string;
    inputs: PropertyMap;
    outputs: PropertyMap;
    parent?: string;
    dependencies: string[];
    protect?: boolean;
    retainOnDelete?: boolean;
    additionalSecretOutputs?: string[];
    /** Reasons from a create or update that failed after the object existed (`ErrorResourceInitFailed`). */
    initErrors?: string[];
    /** Set on the old object of a create-before-delete replacement until it is deleted. */
    delete?: boolean;
}

export interface StackState {
    version: 1;
    stack: string;
    project: string;
    resources: ResourceState[];
    /** Stack outputs of the last `up`. */
    outputs: PropertyMap;
}

/** What the program process sends for each `RegisterResource` call of the SDK. */
export interface RegistrationRequest {
    type: string;
    name: string;
    parent: string;
    custom: boolean;
    remote: boolean;
    inputs: PropertyMap;
    dependencies: string[];
    /** Undefined when the program did not set the `deleteBeforeReplace` resource option. */
    deleteBeforeReplace?: boolean;
    ignoreChanges: string[];
    replaceOnChanges: string[];
    additionalSecretOutputs: string[];
    protect?: boolean;
    retainOnDelete?: boolean;
    importId: string;
    providerRef: string;
}

export interface RegistrationResponse {
    urn: string;
    id: string;
    outputs: PropertyMap;
    /**
     * True when `outputs` are the resource's real outputs, so a key they lack is absent: every response outside
     * preview, and in preview the stored outputs of an unchanged resource. False for a previewed create, update
     * or replacement, whose outputs are the checked inputs.
     */
    final: boolean;
}

/** Messages from the program process to the driver. */
export type ProgramMessage =
    | { kind: "register"; seq: number; request: RegistrationRequest }
    | {
          kind: "register-outputs";
          urn: string;
          outputs: PropertyMap;
          /** Stack outputs only, in preview: paths of outputs that are absent rather than unknown. */
          absentPaths?: string[][];
      }
    | { kind: "done"; errors: string[] };

/** Messages from the driver to the program process. */
export type EngineMessage =
    | { kind: "registered"; seq: number; response: RegistrationResponse }
    | { kind: "register-failed"; seq: number; message: string };

/** Settings the driver passes to the program process on its command line. */
export interface ProgramHostSettings {
    programPath: string;
    projectRoot: string;
    project: string;
    stack: string;
    dryRun: boolean;
    config: Record<string, string>;
    secretKeys: string[];
}
