// PowerShell command lines for WinRS: the stdin bootstrap, -EncodedCommand encoding and the
// Windows argument splitting rules the simulated endpoint uses to read them.

/** Encodes a script for `-EncodedCommand`: base64 of its UTF-16LE text. */
export function encodePowerShellCommand(script: string): string {
    return Buffer.from(script, "utf16le").toString("base64");
}

/** Decodes an `-EncodedCommand` argument back to script text. */
export function decodePowerShellCommand(encoded: string): string {
    return Buffer.from(encoded, "base64").toString("utf16le");
}

/**
 * The bootstrap the runner puts on the command line. It silences progress records, reads all
 * of stdin, base64-decodes it as UTF-8 script text and invokes it as one script block. So the
 * script never runs line by line as typed input, and its length never counts against the
 * 8191-character command line limit of cmd.exe. It is meant for Windows PowerShell 5.1 and
 * PowerShell 7, and the tests run it in PowerShell 7 only.
 */
export const STDIN_BOOTSTRAP =
    "$ProgressPreference='SilentlyContinue';" +
    "$wcnText=[Console]::In.ReadToEnd();" +
    "$wcnBytes=[Convert]::FromBase64String(($wcnText -replace '\\s',''));" +
    "& ([ScriptBlock]::Create([Text.Encoding]::UTF8.GetString($wcnBytes)))";

/** Executable and arguments of the bootstrap command; the script goes to stdin. */
export function bootstrapCommand(executable = "powershell.exe"): { command: string; args: string[] } {
    return {
        command: executable,
        args: ["-NoProfile", "-NonInteractive", "-EncodedCommand", encodePowerShellCommand(STDIN_BOOTSTRAP)],
    };
}

/** Returns the stdin bytes the bootstrap expects for `script`: base64 of its UTF-8 text, and CRLF. */
export function bootstrapInput(script: string): Buffer {
    return Buffer.from(`${Buffer.from(script, "utf8").toString("base64")}\r\n`, "ascii");
}

/**
 * Splits a Windows command line into arguments with the rules of CommandLineToArgvW and the
 * Microsoft C runtime. Whitespace separates arguments outside double quotes, and `""` inside
 * quotes is a literal quote. Backslashes are literal unless they precede a double quote: then
 * 2n backslashes give n and toggle quoting, and 2n+1 give n and a literal quote.
 */
export function splitWindowsCommandLine(commandLine: string): string[] {
    const args: string[] = [];
    let current = "";
    let inArgument = false;
    let quoted = false;
    let index = 0;
    while (index < commandLine.length) {
        const character = commandLine[index];
        if (character === "\\") {
            const start = index;
            while (commandLine[index] === "\\") {
                index += 1;
            }
            const count = index - start;
            inArgument = true;
            if (commandLine[index] === '"') {
                current += "\\".repeat(Math.floor(count / 2));
                if (count % 2 === 1) {
                    current += '"';
                    index += 1;
                }
            } else {
                current += "\\".repeat(count);
            }
            continue;
        }
        if (character === '"') {
            inArgument = true;
            if (quoted && commandLine[index + 1] === '"') {
                current += '"';
                index += 2;
                continue;
            }
            quoted = !quoted;
            index += 1;
            continue;
        }
        if (!quoted && (character === " " || character === "\t")) {
            if (inArgument) {
                args.push(current);
                current = "";
                inArgument = false;
            }
            index += 1;
            continue;
        }
        current += character;
        inArgument = true;
        index += 1;
    }
    if (inArgument) {
        args.push(current);
    }
    return args;
}
