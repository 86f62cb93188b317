// Reply envelopes and SOAP faults of the simulated WinRM endpoint, in the shapes Windows sends.

import { WSMAN_FAULT } from "../../winrm/faults";
import { ANONYMOUS_ADDRESS, escapeXml, newMessageId, wrapEnvelope } from "../../winrm/soap";

/** A reply: HTTP status and SOAP envelope text. */
export interface SoapReply {
    status: number;
    xml: string;
}

/** Builds a successful reply to the request with `relatesTo` as its MessageID. */
export function successReply(action: string, relatesTo: string, bodyXml: string): SoapReply {
    return { status: 200, xml: wrapEnvelope(replyHeader(`${action}Response`, relatesTo), bodyXml) };
}

function replyHeader(action: string, relatesTo: string): string {
    return (
        `<a:Action>${escapeXml(action)}</a:Action>` +
        `<a:MessageID>${newMessageId()}</a:MessageID>` +
        `<a:To>${ANONYMOUS_ADDRESS}</a:To>` +
        (relatesTo === "" ? "" : `<a:RelatesTo>${escapeXml(relatesTo)}</a:RelatesTo>`)
    );
}

/** A WS-Management fault the endpoint raises while handling a request. */
export class EndpointFault extends Error {
    constructor(
        /** SOAP code: `s:Sender` for a bad request, `s:Receiver` for a service-side condition. */
        readonly code: "s:Sender" | "s:Receiver",
        /** SOAP subcode such as `w:TimedOut`. */
        readonly subcode: string,
        /** WSManFault Code, decimal. */
        readonly wsmanCode: string,
        message: string,
        readonly httpStatus = 500,
    ) {
        super(message);
        this.name = "EndpointFault";
    }
}

/** Builds the reply envelope of a fault. */
export function faultReply(fault: EndpointFault, relatesTo: string, machine: string): SoapReply {
    const message = escapeXml(fault.message);
    const body =
        `<s:Fault><s:Code><s:Value>${fault.code}</s:Value><s:Subcode><s:Value>${escapeXml(fault.subcode)}</s:Value>` +
        `</s:Subcode></s:Code><s:Reason><s:Text xml:lang="en-US">${message}</s:Text></s:Reason>` +
        `<s:Detail><f:WSManFault Code="${fault.wsmanCode}" Machine="${escapeXml(machine)}">` +
        `<f:Message>${message}</f:Message></f:WSManFault></s:Detail></s:Fault>`;
    const header =
        `<a:Action>http://schemas.dmtf.org/wbem/wsman/1/wsman/fault</a:Action>` +
        `<a:MessageID>${newMessageId()}</a:MessageID><a:To>${ANONYMOUS_ADDRESS}</a:To>` +
        (relatesTo === "" ? "" : `<a:RelatesTo>${escapeXml(relatesTo)}</a:RelatesTo>`);
    return { status: fault.httpStatus, xml: wrapEnvelope(header, body) };
}

/** The faults the endpoint raises, with Windows' codes and message texts. */
export const faults = {
    operationTimedOut(): EndpointFault {
        return new EndpointFault(
            "s:Receiver",
            "w:TimedOut",
            WSMAN_FAULT.operationTimedOut,
            "The WS-Management service cannot complete the operation within the time specified in OperationTimeout.",
        );
    },
    shellNotFound(shellId: string): EndpointFault {
        return new EndpointFault(
            "s:Sender",
            "w:InvalidSelectors",
            WSMAN_FAULT.invalidSelectors,
            `The request for the Windows Remote Shell with ShellId ${shellId} failed because the shell was not ` +
                "found on the server. Possible causes are: the specified ShellId is incorrect or the shell no " +
                "longer exists on the server. Provide the correct ShellId or create a new shell and retry the operation.",
        );
    },
    commandNotFound(commandId: string): EndpointFault {
        return new EndpointFault(
            "s:Sender",
            "w:InvalidSelectors",
            WSMAN_FAULT.invalidSelectors,
            `The request for the Windows Remote Shell command with CommandId ${commandId} failed because the ` +
                "command was not found in the shell.",
        );
    },
    maxShells(limit: number): EndpointFault {
        return new EndpointFault(
            "s:Receiver",
            "w:QuotaLimit",
            WSMAN_FAULT.maxShellsPerUser,
            `The WS-Management service cannot process the request. This user is allowed a maximum number of ${limit} ` +
                "concurrent shells, which has been exceeded. Close existing shells or raise the quota for this user.",
        );
    },
    envelopeTooLarge(limitKb: number): EndpointFault {
        return new EndpointFault(
            "s:Sender",
            "w:EncodingLimit",
            WSMAN_FAULT.maxEnvelopeSize,
            `The WS-Management service cannot process the request because the request is larger than the ` +
                `MaxEnvelopeSizekb of ${limitKb} KB configured on the service.`,
            413,
        );
    },
    rpcCallFailed(): EndpointFault {
        return new EndpointFault(
            "s:Receiver",
            "w:InternalError",
            WSMAN_FAULT.rpcCallFailed,
            "The remote procedure call failed.",
        );
    },
    invalidRequest(reason: string): EndpointFault {
        return new EndpointFault("s:Sender", "w:SchemaValidationError", WSMAN_FAULT.schemaValidation, reason);
    },
    unsupportedAction(action: string): EndpointFault {
        return new EndpointFault(
            "s:Sender",
            "a:ActionNotSupported",
            "2150858771",
            `The action ${action} is not supported by the service.`,
        );
    },
};
