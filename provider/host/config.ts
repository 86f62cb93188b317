import * as fs from "fs";

/** Reads stack configuration values; the dynamic provider's configure step supplies it. */
export interface ConfigReader {
    get(key: string): string | undefined;
}

let providerConfig: ConfigReader = { get: () => undefined };

/**
 * Stores the stack configuration the provider process was configured with. Secrets named by
 * `*ConfigKey` host settings are read from it at the moment they are needed, so they never sit in
 * resource inputs, outputs or the serialized provider.
 */
export function setProviderConfig(config: ConfigReader): void {
    providerConfig = config;
}

/** Raised when key or certificate material named by a host setting cannot be read. */
export class MaterialError extends Error {
    constructor(message: string) {
        super(message);
        this.name = "MaterialError";
    }
}

/**
 * Reads PEM material named either by a file path or by a stack configuration key. The message on
 * failure names the setting and the path or key, never the content.
 */
export function readMaterial(setting: string, file: string | undefined, configKey: string | undefined): Buffer | undefined {
    if (configKey !== undefined) {
        const value = providerConfig.get(configKey);
        if (value === undefined || value === "") {
            throw new MaterialError(
                `${setting} names the stack configuration key "${configKey}", which is not set. ` +
                    `Set it with: pulumi config set --secret ${configKey} "$(cat FILE)"`,
            );
        }
        return Buffer.from(value, "utf8");
    }
    if (file !== undefined) {
        try {
            return fs.readFileSync(file);
        } catch (error) {
            throw new MaterialError(`${setting} names the file ${file}, which cannot be read: ${(error as NodeJS.ErrnoException).code ?? error}`);
        }
    }
    return undefined;
}
