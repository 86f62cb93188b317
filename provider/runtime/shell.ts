import type * as pulumi from "@pulumi/pulumi";
import * as path from "path";

/**
 * Path of the module that implements every resource's CRUD methods, relative to the package root.
 * The serialized provider stored in Pulumi state is only a small shell that loads this module when
 * the dynamic-provider process calls it. That keeps the state free of captured code and values
 * (nothing secret can be frozen into it), keeps clients with sockets out of serialization, and means
 * `pulumi refresh` and `pulumi destroy`, which run the provider stored in state, use the installed
 * package's current code.
 */
const HANDLER_RELATIVE_PATH = "dist/provider/runtime/handler.js";
const PACKAGE_NAME = "pulumi-wcn";

/**
 * Where the handler module was when the program ran. The serialized shell tries the package name
 * first, then this path relative to the project directory, then this absolute path, so state
 * written on one machine still works on another with the same project layout.
 */
const HANDLER_ABSOLUTE_PATH = path.join(__dirname, "handler.js");
const HANDLER_PROJECT_RELATIVE_PATH = path.relative(process.cwd(), HANDLER_ABSOLUTE_PATH);

/**
 * Returns the provider object for one resource kind. Its methods run inside the dynamic-provider
 * process, after Pulumi serialized them, so they may only use what they capture as plain strings
 * and `require`.
 */
export function shellProvider(kind: string): pulumi.dynamic.ResourceProvider {
    const packageSpecifier = `${PACKAGE_NAME}/${HANDLER_RELATIVE_PATH}`;
    const projectRelative = HANDLER_PROJECT_RELATIVE_PATH;
    const absolute = HANDLER_ABSOLUTE_PATH;

    function loadHandler(): pulumi.dynamic.ResourceProvider & { configure?(req: unknown): Promise<void> } {
        const nodePath = require("path");
        const candidates = Array.from(
            new Set([packageSpecifier, nodePath.resolve(process.cwd(), projectRelative), absolute]),
        );
        for (const candidate of candidates) {
            try {
                return require(candidate).providerFor(kind);
            } catch (error) {
                const notFound = (error as { code?: string }).code === "MODULE_NOT_FOUND";
                if (!notFound || !String((error as Error).message).includes(candidate)) {
                    throw error;
                }
            }
        }
        throw new Error(
            `pulumi-wcn: cannot load the provider implementation (tried ${candidates.join(", ")}). ` +
                "Install the pulumi-wcn package in the project and run `npm run build` if it is a source checkout",
        );
    }

    return {
        configure: (req) => loadHandler().configure?.(req) ?? Promise.resolve(),
        check: (olds, news) => loadHandler().check!(olds, news),
        diff: (id, olds, news) => loadHandler().diff!(id, olds, news),
        create: (inputs) => loadHandler().create(inputs),
        read: (id, props) => loadHandler().read!(id, props),
        update: (id, olds, news) => loadHandler().update!(id, olds, news),
        delete: (id, props) => loadHandler().delete!(id, props),
    };
}
