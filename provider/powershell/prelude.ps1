# Prelude of every operation script. It runs unchanged on Windows PowerShell 5.1 and PowerShell 7,
# so it uses no syntax or parameter that only PowerShell 6 or later has.
#
# Contract: the operation script after this prelude defines Invoke-WcnOperationBody, which takes
# the decoded input object and returns exactly one result object. The tail calls
# Invoke-WcnOperation with the input as a base64 string literal. Exactly one envelope is printed:
# the begin sentinel line, one line of base64 (UTF-8 JSON, so it is ASCII on any codepage) and
# the end sentinel line.

$ProgressPreference = 'SilentlyContinue'
$ErrorActionPreference = 'Stop'

$WcnEnvelopeBegin = '<<<WCN-ENVELOPE-BEGIN>>>'
$WcnEnvelopeEnd = '<<<WCN-ENVELOPE-END>>>'

function ConvertFrom-WcnInput {
    param([string]$Base64)
    $json = [Text.Encoding]::UTF8.GetString([Convert]::FromBase64String($Base64))
    # NOTE: PowerShell 7's ConvertFrom-Json turns ISO 8601 date strings into DateTime values,
    # so inputs must not carry date strings that a script echoes back.
    return ConvertFrom-Json -InputObject $json
}

function Write-WcnEnvelope {
    param($Envelope)
    $json = ConvertTo-Json -InputObject $Envelope -Depth 10 -Compress
    $base64 = [Convert]::ToBase64String([Text.Encoding]::UTF8.GetBytes($json))
    Write-Output $WcnEnvelopeBegin
    Write-Output $base64
    Write-Output $WcnEnvelopeEnd
}

# Formats an HRESULT as 0xXXXXXXXX text, or returns $null for 0.
function Format-WcnHResult {
    param([int64]$HResult)
    $unsigned = $HResult -band 0xFFFFFFFFL
    if ($unsigned -eq 0) {
        return $null
    }
    return ('0x{0:X8}' -f $unsigned)
}

# Returns the HRESULT of an error as 0xXXXXXXXX text. CIM cmdlets put the provider's HRESULT in
# the error id ("HRESULT 0x80041002,Get-CimInstance"); it is more specific than the exception's.
function Get-WcnHResult {
    param($ErrorRecord)
    $errorId = [string]$ErrorRecord.FullyQualifiedErrorId
    if ($errorId -match '^HRESULT 0x([0-9A-Fa-f]{1,8})\b') {
        return (Format-WcnHResult -HResult ([Convert]::ToInt64($Matches[1], 16)))
    }
    return (Format-WcnHResult -HResult $ErrorRecord.Exception.HResult)
}

# Returns the Win32 error code of an error, or $null: NativeErrorCode of a Win32Exception, the code
# in a CIM error id ("Windows System Error 87,New-NetNat"), or the low 16 bits of an HRESULT with
# facility FACILITY_WIN32 (7).
function Get-WcnWin32Code {
    param($ErrorRecord, [string]$HResult)
    $exception = $ErrorRecord.Exception
    if ($exception -is [ComponentModel.Win32Exception]) {
        return [int]$exception.NativeErrorCode
    }
    if ([string]$ErrorRecord.FullyQualifiedErrorId -match '^Windows System Error (\d+)\b') {
        return [int]$Matches[1]
    }
    if ([string]::IsNullOrEmpty($HResult)) {
        return $null
    }
    $unsigned = [Convert]::ToInt64($HResult.Substring(2), 16)
    $facility = ($unsigned -shr 16) -band 0x1FFF
    if (($unsigned -band 0x80000000L) -ne 0 -and $facility -eq 7) {
        return [int]($unsigned -band 0xFFFF)
    }
    return $null
}

function ConvertTo-WcnError {
    param($ErrorRecord)
    $exception = $ErrorRecord.Exception
    $hresult = Get-WcnHResult -ErrorRecord $ErrorRecord
    return [ordered]@{
        message               = [string]$exception.Message
        category              = [string]$ErrorRecord.CategoryInfo.Category
        hresult               = $hresult
        win32Code             = (Get-WcnWin32Code -ErrorRecord $ErrorRecord -HResult $hresult)
        fullyQualifiedErrorId = [string]$ErrorRecord.FullyQualifiedErrorId
        exceptionType         = [string]$exception.GetType().FullName
    }
}

# Runs the operation body on the decoded input and prints one envelope. The body's failures are
# caught here; nothing calls exit, because the local runner keeps one PowerShell process for
# many operations.
function Invoke-WcnOperation {
    param([string]$InputBase64)
    $envelope = $null
    try {
        $operationInput = ConvertFrom-WcnInput -Base64 $InputBase64
        $result = Invoke-WcnOperationBody -OperationInput $operationInput
        $envelope = [ordered]@{ ok = $true; result = $result }
    } catch {
        $envelope = [ordered]@{ ok = $false; error = (ConvertTo-WcnError -ErrorRecord $_) }
    }
    Write-WcnEnvelope -Envelope $envelope
}

# Path of daemon.json, as the Docker engine on Windows reads it.
function Get-WcnDaemonJsonPath {
    $folder = Join-Path -Path (Join-Path -Path $env:ProgramData -ChildPath 'docker') -ChildPath 'config'
    return (Join-Path -Path $folder -ChildPath 'daemon.json')
}

# Reads a text file as UTF-8 (a byte order mark is skipped), or returns $null when it is missing.
function Read-WcnTextFile {
    param([string]$Path)
    if (-not (Test-Path -LiteralPath $Path -PathType Leaf)) {
        return $null
    }
    return [IO.File]::ReadAllText($Path, [Text.Encoding]::UTF8)
}

# Writes UTF-8 text without a byte order mark, because Docker engines before 23.0 reject
# daemon.json with one. The text goes to a temporary file first, which then replaces the target
# (no backup file: [NullString]::Value passes a real null, where $null would become an empty string).
function Write-WcnTextFile {
    param([string]$Path, [string]$Text)
    $folder = Split-Path -Path $Path -Parent
    if (-not (Test-Path -LiteralPath $folder -PathType Container)) {
        $null = New-Item -ItemType Directory -Path $folder -Force
    }
    $temporary = $Path + '.' + [Guid]::NewGuid().ToString('N') + '.tmp'
    [IO.File]::WriteAllText($temporary, $Text, (New-Object -TypeName Text.UTF8Encoding -ArgumentList $false))
    if (Test-Path -LiteralPath $Path -PathType Leaf) {
        [IO.File]::Replace($temporary, $Path, [NullString]::Value)
    } else {
        [IO.File]::Move($temporary, $Path)
    }
}

# Parses daemon.json text into an object. Missing or blank text is an empty object. Invalid JSON
# and anything but a JSON object raise an InvalidDataException naming the path.
function ConvertFrom-WcnDaemonJson {
    param([string]$Path, $Content)
    if ($null -eq $Content -or $Content.Trim() -eq '') {
        return (New-Object -TypeName PSObject)
    }
    try {
        $parsed = ConvertFrom-Json -InputObject $Content
    } catch {
        throw (New-Object -TypeName IO.InvalidDataException -ArgumentList ("daemon.json at $Path is not valid JSON, so it was not changed: " + $_.Exception.Message))
    }
    if ($parsed -isnot [PSCustomObject]) {
        throw (New-Object -TypeName IO.InvalidDataException -ArgumentList "daemon.json at $Path does not contain a JSON object, so it was not changed")
    }
    return $parsed
}

function Set-WcnJsonProperty {
    param($Object, [string]$Name, $Value)
    # An existing key keeps its place in the file; a new key goes at the end.
    $existing = $Object.PSObject.Properties[$Name]
    if ($null -ne $existing) {
        $existing.Value = $Value
        return
    }
    Add-Member -InputObject $Object -MemberType NoteProperty -Name $Name -Value $Value
}

# Computes daemon.json after setting the keys of $Set (an object of key and JSON value pairs) and
# removing the keys named in $Remove, keeping every other key and its value. Writes nothing.
# Returns path, changed, oldContent and newContent. When no value changes and the file exists,
# changed is false and newContent is the old text, byte for byte. Otherwise newContent is the
# configuration as indented JSON, so its formatting changes but no unmanaged key does.
# NOTE: PowerShell compares property names without case, so keys that differ only in case
# ("bridge" and "Bridge") are one key here.
function Get-WcnDaemonJsonEdit {
    param($Set, $Remove)
    $path = Get-WcnDaemonJsonPath
    $oldContent = Read-WcnTextFile -Path $path
    $config = ConvertFrom-WcnDaemonJson -Path $path -Content $oldContent
    $before = ConvertTo-Json -InputObject $config -Depth 10 -Compress

    if ($null -ne $Set) {
        foreach ($property in $Set.PSObject.Properties) {
            Set-WcnJsonProperty -Object $config -Name $property.Name -Value $property.Value
        }
    }
    foreach ($name in @($Remove)) {
        if ($null -ne $name -and $null -ne $config.PSObject.Properties[[string]$name]) {
            $config.PSObject.Properties.Remove([string]$name)
        }
    }

    $after = ConvertTo-Json -InputObject $config -Depth 10 -Compress
    if ($after -ceq $before -and $null -ne $oldContent) {
        return [ordered]@{ path = $path; changed = $false; oldContent = $oldContent; newContent = $oldContent }
    }
    $newContent = ConvertTo-Json -InputObject $config -Depth 10
    return [ordered]@{ path = $path; changed = $true; oldContent = $oldContent; newContent = $newContent }
}

# Projects a service to the RawService shape, or returns $null when it does not exist.
function Get-WcnServiceState {
    param([string]$Name)
    $service = Get-Service -Name $Name -ErrorAction SilentlyContinue
    if ($null -eq $service) {
        return $null
    }
    return [ordered]@{ Status = [string]$service.Status; StartType = [string]$service.StartType }
}

# Returns $true when the Docker engine responds to GET /_ping on its named pipe with status 200. A
# host may define its own Test-WcnDockerEngine before the script runs (the simulated host's module
# does), and then that one is used.
# NOTE: the named-pipe request is not exercised by the tests, which run on Linux against the
# simulated module.
if (-not (Get-Command -Name Test-WcnDockerEngine -ErrorAction SilentlyContinue)) {
    function Test-WcnDockerEngine {
        param([int]$ConnectTimeoutMs = 2000)
        $pipe = New-Object -TypeName IO.Pipes.NamedPipeClientStream -ArgumentList '.', 'docker_engine', 'InOut'
        try {
            $pipe.Connect($ConnectTimeoutMs)
            $request = [Text.Encoding]::ASCII.GetBytes("GET /_ping HTTP/1.0`r`nHost: docker`r`n`r`n")
            $pipe.Write($request, 0, $request.Length)
            $reader = New-Object -TypeName IO.StreamReader -ArgumentList $pipe
            $statusLine = $reader.ReadLine()
            return ($null -ne $statusLine -and $statusLine -match '^HTTP/1\.[01] 200 ')
        } catch {
            return $false
        } finally {
            $pipe.Dispose()
        }
    }
}

# Projects a switch to the RawVmSwitchState shape that the vSwitch operations print.
function ConvertTo-WcnVmSwitchState {
    param($VmSwitch)
    $descriptions = @()
    foreach ($description in @($VmSwitch.NetAdapterInterfaceDescriptions)) {
        if ($null -ne $description) {
            $descriptions += [string]$description
        }
    }
    $single = $null
    if ($null -ne $VmSwitch.NetAdapterInterfaceDescription) {
        $single = [string]$VmSwitch.NetAdapterInterfaceDescription
    }
    return [ordered]@{
        Name                            = [string]$VmSwitch.Name
        Id                              = ([string]$VmSwitch.Id).ToLowerInvariant()
        SwitchType                      = [string]$VmSwitch.SwitchType
        AllowManagementOS               = [bool]$VmSwitch.AllowManagementOS
        EmbeddedTeamingEnabled          = [bool]$VmSwitch.EmbeddedTeamingEnabled
        NetAdapterInterfaceDescription  = $single
        NetAdapterInterfaceDescriptions = $descriptions
        Notes                           = [string]$VmSwitch.Notes
    }
}
