# Simulated Windows cmdlets for the simulated container host. Each cmdlet has the parameter
# names of one documented parameter set of the Windows cmdlet and returns objects with the
# Windows property names, read from the simulator's JSON state file named by $env:WCN_SIM_STATE.
#
# Reads need no lock: every writer replaces the state file by renaming a complete temporary file.
# Service changes are made by the simulator's node command (service-cli.js), which takes the
# state file's proper-lockfile lock and applies the same service and daemon.json rules as the
# Docker Engine API face, so those rules have one implementation.
#
# HNS networks are removed the same way, by hns-cli.js beside service-cli.js, and Hyper-V switches
# and VM network adapters are changed by vswitch-cli.js there.
#
# $env:WCN_SIM_ABSENT_CMDLETS (comma-separated cmdlet names) leaves those cmdlets out of the
# module, to model a host without them, such as one without the HostNetworkingService module.
#
# daemon.json is a real file under $env:ProgramData, which this module points at a folder beside
# the state file (or at $env:WCN_SIM_PROGRAMDATA). Starting docker copies the file into the state,
# as the real engine reads the file when it starts.

Set-StrictMode -Version 2

$script:StatePath = $env:WCN_SIM_STATE
if ([string]::IsNullOrEmpty($script:StatePath)) {
    throw 'WCN_SIM_STATE is not set: set it to the simulated host state file before importing WcnSimulatedHost'
}
$script:StatePath = [IO.Path]::GetFullPath($script:StatePath)

$script:ProgramData = $env:WCN_SIM_PROGRAMDATA
if ([string]::IsNullOrEmpty($script:ProgramData)) {
    $script:ProgramData = $script:StatePath + '.ProgramData'
}
$env:ProgramData = $script:ProgramData

$script:ServiceCli = $env:WCN_SIM_SERVICE_CLI
if ([string]::IsNullOrEmpty($script:ServiceCli)) {
    $root = Split-Path -Path (Split-Path -Path (Split-Path -Path $PSScriptRoot -Parent) -Parent) -Parent
    $script:ServiceCli = [IO.Path]::Combine($root, 'dist', 'provider', 'simulator', 'powershell', 'service-cli.js')
}
$script:HnsCli = [IO.Path]::Combine((Split-Path -Path $script:ServiceCli -Parent), 'hns-cli.js')
$script:VSwitchCli = [IO.Path]::Combine((Split-Path -Path $script:ServiceCli -Parent), 'vswitch-cli.js')
$script:Node = $env:WCN_SIM_NODE
if ([string]::IsNullOrEmpty($script:Node)) {
    $script:Node = 'node'
}

# Windows Server release per simulator profile: Win32_OperatingSystem Caption and build.
$script:OsReleases = @{
    ws2016 = @{ Caption = 'Microsoft Windows Server 2016 Datacenter'; Build = '14393' }
    'ws2016-rtm' = @{ Caption = 'Microsoft Windows Server 2016 Datacenter'; Build = '14393' }
    ws2019 = @{ Caption = 'Microsoft Windows Server 2019 Datacenter'; Build = '17763' }
    ws2022 = @{ Caption = 'Microsoft Windows Server 2022 Datacenter'; Build = '20348' }
    ws2025 = @{ Caption = 'Microsoft Windows Server 2025 Datacenter'; Build = '26100' }
}

$script:ServiceDisplayNames = @{ hns = 'Host Network Service'; docker = 'Docker Engine' }

function Read-WcnSimState {
    $text = [IO.File]::ReadAllText($script:StatePath, [Text.Encoding]::UTF8)
    return (ConvertFrom-Json -InputObject $text)
}

function Get-WcnSimDaemonJsonPath {
    return [IO.Path]::Combine($script:ProgramData, 'docker', 'config', 'daemon.json')
}

# Writes the state's daemon.json text to the file when the file does not exist yet, so a state
# seeded with daemon.json shows it to the scripts. An existing file is the newer one and is kept.
function Initialize-WcnSimDaemonJson {
    $path = Get-WcnSimDaemonJsonPath
    if (Test-Path -LiteralPath $path) {
        return
    }
    $state = Read-WcnSimState
    if ($null -eq $state.daemonJson) {
        return
    }
    $null = New-Item -ItemType Directory -Path (Split-Path -Path $path -Parent) -Force
    [IO.File]::WriteAllText($path, [string]$state.daemonJson, (New-Object -TypeName Text.UTF8Encoding -ArgumentList $false))
}

# Builds the error a cmdlet reports for a missing object; callers pass it to WriteError.
function New-WcnNotFoundRecord {
    param([string]$Message, [string]$ErrorId, $Target)
    $exception = New-Object -TypeName Management.Automation.ItemNotFoundException -ArgumentList $Message
    return (New-Object -TypeName Management.Automation.ErrorRecord -ArgumentList $exception, $ErrorId, 'ObjectNotFound', $Target)
}

function Test-WcnSimNameMatch {
    param([string[]]$Patterns, [string]$Value)
    if ($null -eq $Patterns -or $Patterns.Count -eq 0) {
        return $true
    }
    foreach ($pattern in $Patterns) {
        if ($Value -like $pattern) {
            return $true
        }
    }
    return $false
}

# Writes a not-found error for each pattern without wildcards that matched nothing, as the CIM
# cmdlets do.
function Write-WcnSimMissingNames {
    param($Cmdlet, [string[]]$Patterns, [string[]]$Found, [string]$ClassName, [string]$Property = 'Name')
    foreach ($pattern in @($Patterns)) {
        if ($null -eq $pattern -or [Management.Automation.WildcardPattern]::ContainsWildcardCharacters($pattern)) {
            continue
        }
        if (@($Found | Where-Object { $_ -like $pattern }).Count -eq 0) {
            $message = "No $ClassName objects found with property '$Property' equal to '$pattern'.  Verify the value of the property and retry."
            $Cmdlet.WriteError((New-WcnNotFoundRecord -Message $message -ErrorId "CmdletizationQuery_NotFound_$Property" -Target $pattern))
        }
    }
}

function Get-CimInstance {
    [CmdletBinding(DefaultParameterSetName = 'ClassNameComputerSet')]
    param(
        [Parameter(Mandatory = $true, Position = 0, ParameterSetName = 'ClassNameComputerSet')]
        [string]$ClassName
    )
    if ($ClassName -ne 'Win32_OperatingSystem') {
        $exception = New-Object -TypeName Management.Automation.PSNotSupportedException -ArgumentList "the simulated host has no CIM class $ClassName"
        $PSCmdlet.ThrowTerminatingError((New-Object -TypeName Management.Automation.ErrorRecord -ArgumentList $exception, 'HRESULT 0x80041010,Microsoft.Management.Infrastructure.CimCmdlets.GetCimInstanceCommand', 'InvalidType', $ClassName))
    }
    $state = Read-WcnSimState
    $release = $script:OsReleases[[string]$state.profile]
    [PSCustomObject]@{
        Caption     = $release.Caption
        Version     = '10.0.' + $release.Build
        BuildNumber = $release.Build
        CSName      = [string]$state.hostName
    }
}

function Get-NetNat {
    [CmdletBinding()]
    param([Parameter(Position = 0)][string[]]$Name)
    $state = Read-WcnSimState
    $found = @()
    foreach ($nat in @($state.winNats)) {
        if (-not (Test-WcnSimNameMatch -Patterns $Name -Value $nat.name)) {
            continue
        }
        $found += [string]$nat.name
        [PSCustomObject]@{
            Name                             = [string]$nat.name
            InternalIPInterfaceAddressPrefix = [string]$nat.internalIPInterfaceAddressPrefix
            Active                           = [bool]$nat.active
            ExternalIPInterfaceAddressPrefix = $null
        }
    }
    Write-WcnSimMissingNames -Cmdlet $PSCmdlet -Patterns $Name -Found $found -ClassName 'MSFT_NetNat'
}

function Get-WcnSimAdapterDescription {
    param($State, [string]$AdapterName)
    foreach ($adapter in @($State.adapters)) {
        if ($adapter.name -eq $AdapterName) {
            return [string]$adapter.interfaceDescription
        }
    }
    return $null
}

function Get-VMSwitch {
    [CmdletBinding(DefaultParameterSetName = 'Name')]
    param(
        [Parameter(Position = 0, ParameterSetName = 'Name')][string[]]$Name,
        [Parameter(ParameterSetName = 'Name')][string[]]$SwitchType
    )
    $state = Read-WcnSimState
    $found = @()
    foreach ($vmSwitch in @($state.vmSwitches)) {
        if (-not (Test-WcnSimNameMatch -Patterns $Name -Value $vmSwitch.name)) {
            continue
        }
        if ($null -ne $SwitchType -and $SwitchType -notcontains [string]$vmSwitch.switchType) {
            continue
        }
        $found += [string]$vmSwitch.name
        ConvertTo-WcnSimVmSwitch -State $state -VmSwitch $vmSwitch
    }
    foreach ($pattern in @($Name)) {
        if ($null -ne $pattern -and -not [Management.Automation.WildcardPattern]::ContainsWildcardCharacters($pattern) -and @($found | Where-Object { $_ -like $pattern }).Count -eq 0) {
            $message = "Hyper-V was unable to find a virtual switch with name `"$pattern`"."
            $PSCmdlet.WriteError((New-WcnNotFoundRecord -Message $message -ErrorId 'ObjectNotFound,Microsoft.HyperV.PowerShell.Commands.GetVMSwitch' -Target $pattern))
        }
    }
}

# Projects one switch of the state to the object Get-VMSwitch and New-VMSwitch return.
function ConvertTo-WcnSimVmSwitch {
    param($State, $VmSwitch)
    $descriptions = @()
    foreach ($adapterName in @($VmSwitch.netAdapterNames)) {
        $descriptions += Get-WcnSimAdapterDescription -State $State -AdapterName $adapterName
    }
    $single = $null
    if ($descriptions.Count -gt 0) {
        $single = $descriptions[0]
    }
    # Hyper-V prints an empty string for a switch made without -Notes, and the state omits them.
    $notes = ''
    if ($null -ne $VmSwitch.PSObject.Properties['notes']) {
        $notes = [string]$VmSwitch.notes
    }
    return [PSCustomObject]@{
        Name                            = [string]$VmSwitch.name
        Id                              = [Guid][string]$VmSwitch.id
        SwitchType                      = [string]$VmSwitch.switchType
        AllowManagementOS               = [bool]$VmSwitch.allowManagementOS
        EmbeddedTeamingEnabled          = [bool]$VmSwitch.embeddedTeamingEnabled
        NetAdapterInterfaceDescription  = $single
        NetAdapterInterfaceDescriptions = $descriptions
        Notes                           = $notes
    }
}

# Builds the error record of a Hyper-V cmdlet from the error vswitch-cli.js prints. The exception
# type is defined on first use, because compiling it costs about a second.
function New-WcnSimHyperVRecord {
    param($HyperVError, [string]$CommandClass, $Target)
    if (-not ('Microsoft.HyperV.PowerShell.VirtualizationException' -as [type])) {
        Add-Type -TypeDefinition 'namespace Microsoft.HyperV.PowerShell { public class VirtualizationException : System.Exception { public VirtualizationException(string message, int hresult) : base(message) { HResult = hresult; } } }'
    }
    $hresult = [int]([int64]$HyperVError.hresult - 4294967296L)
    $exception = New-Object -TypeName Microsoft.HyperV.PowerShell.VirtualizationException -ArgumentList ([string]$HyperVError.message), $hresult
    $errorId = [string]$HyperVError.errorId + ',Microsoft.HyperV.PowerShell.Commands.' + $CommandClass
    return (New-Object -TypeName Management.Automation.ErrorRecord -ArgumentList $exception, $errorId, ([string]$HyperVError.category), $Target)
}

# Runs vswitch-cli.js with a request object and returns its result, or throws the cmdlet's
# terminating error for a request Hyper-V rejects.
function Invoke-WcnSimVSwitchCli {
    param($Cmdlet, [string]$Action, $Request, [string]$CommandClass, $Target)
    $json = ConvertTo-Json -InputObject $Request -Depth 10 -Compress
    $encoded = [Convert]::ToBase64String([Text.Encoding]::UTF8.GetBytes($json))
    $arguments = @($script:VSwitchCli, $Action, '--state', $script:StatePath, '--request', $encoded)
    $outcome = Invoke-WcnSimNodeCli -Arguments $arguments -Description "vswitch $Action"
    if (-not [bool]$outcome.ok) {
        $Cmdlet.ThrowTerminatingError((New-WcnSimHyperVRecord -HyperVError $outcome.error -CommandClass $CommandClass -Target $Target))
    }
    return $outcome.result
}

# Returns the ids of switch objects, or throws when an object has none.
function Get-WcnSimSwitchIds {
    param($Cmdlet, [object[]]$VMSwitch)
    $ids = @()
    foreach ($item in $VMSwitch) {
        if ($null -eq $item -or $null -eq $item.PSObject.Properties['Id']) {
            $exception = New-Object -TypeName ArgumentException -ArgumentList 'the switch object has no Id property: pass objects from Get-VMSwitch'
            $Cmdlet.ThrowTerminatingError((New-Object -TypeName Management.Automation.ErrorRecord -ArgumentList $exception, 'InvalidSwitchObject', 'InvalidArgument', $item))
        }
        $ids += ([string]$item.Id).ToLowerInvariant()
    }
    return $ids
}

# Creates an external switch on one adapter, or a SET team on several.
function New-VMSwitch {
    [CmdletBinding(DefaultParameterSetName = 'NetAdapterName')]
    param(
        [Parameter(Mandatory = $true, Position = 0, ParameterSetName = 'NetAdapterName')][string]$Name,
        [Parameter(Mandatory = $true, ParameterSetName = 'NetAdapterName')][string[]]$NetAdapterName,
        [Parameter(ParameterSetName = 'NetAdapterName')][bool]$AllowManagementOS = $true,
        [Parameter(ParameterSetName = 'NetAdapterName')][bool]$EnableEmbeddedTeaming = $false,
        [Parameter(ParameterSetName = 'NetAdapterName')][string]$Notes = ''
    )
    $request = [ordered]@{
        name                  = $Name
        netAdapterNames       = @($NetAdapterName)
        allowManagementOS     = $AllowManagementOS
        enableEmbeddedTeaming = $EnableEmbeddedTeaming
        notes                 = $Notes
    }
    $view = Invoke-WcnSimVSwitchCli -Cmdlet $PSCmdlet -Action 'new-switch' -Request $request -CommandClass 'NewVMSwitch' -Target $Name
    $state = Read-WcnSimState
    $created = @($state.vmSwitches | Where-Object { [string]$_.id -eq [string]$view.Id })[0]
    ConvertTo-WcnSimVmSwitch -State $state -VmSwitch $created
}

function Set-VMSwitch {
    [CmdletBinding(DefaultParameterSetName = 'SwitchName_SwitchType')]
    param(
        [Parameter(Mandatory = $true, Position = 0, ParameterSetName = 'SwitchName_SwitchType')][string[]]$Name,
        [Parameter(Mandatory = $true, Position = 0, ValueFromPipeline = $true, ParameterSetName = 'SwitchObject_SwitchType')][object[]]$VMSwitch,
        [Nullable[bool]]$AllowManagementOS,
        [switch]$Passthru
    )
    process {
        $request = [ordered]@{}
        if ($PSCmdlet.ParameterSetName -eq 'SwitchObject_SwitchType') {
            $request.ids = @(Get-WcnSimSwitchIds -Cmdlet $PSCmdlet -VMSwitch $VMSwitch)
        } else {
            $request.names = @($Name)
        }
        if ($null -ne $AllowManagementOS) {
            $request.allowManagementOS = [bool]$AllowManagementOS
        }
        $changed = Invoke-WcnSimVSwitchCli -Cmdlet $PSCmdlet -Action 'set-switch' -Request $request -CommandClass 'SetVMSwitch' -Target $Name
        if ($Passthru) {
            $state = Read-WcnSimState
            foreach ($view in @($changed)) {
                $vmSwitch = @($state.vmSwitches | Where-Object { [string]$_.id -eq [string]$view.Id })[0]
                ConvertTo-WcnSimVmSwitch -State $state -VmSwitch $vmSwitch
            }
        }
    }
}

# Removes switches. The simulated host cannot ask for confirmation, so -Force is required.
function Remove-VMSwitch {
    [CmdletBinding(DefaultParameterSetName = 'Name')]
    param(
        [Parameter(Mandatory = $true, Position = 0, ParameterSetName = 'Name')][string[]]$Name,
        [Parameter(Mandatory = $true, Position = 0, ValueFromPipeline = $true, ParameterSetName = 'SwitchObject')][object[]]$VMSwitch,
        [switch]$Force
    )
    process {
        if (-not $Force) {
            $exception = New-Object -TypeName PSNotSupportedException -ArgumentList 'the simulated Remove-VMSwitch cannot ask for confirmation: pass -Force'
            $PSCmdlet.ThrowTerminatingError((New-Object -TypeName Management.Automation.ErrorRecord -ArgumentList $exception, 'ConfirmationNotSupported', 'NotImplemented', $Name))
        }
        $request = [ordered]@{}
        if ($PSCmdlet.ParameterSetName -eq 'SwitchObject') {
            $request.ids = @(Get-WcnSimSwitchIds -Cmdlet $PSCmdlet -VMSwitch $VMSwitch)
        } else {
            $request.names = @($Name)
        }
        $null = Invoke-WcnSimVSwitchCli -Cmdlet $PSCmdlet -Action 'remove-switch' -Request $request -CommandClass 'RemoveVMSwitch' -Target $Name
    }
}

function Get-VMNetworkAdapter {
    [CmdletBinding(DefaultParameterSetName = 'VMName')]
    param(
        [Parameter(Mandatory = $true, Position = 0, ParameterSetName = 'VMName')][string[]]$VMName,
        [Parameter(ParameterSetName = 'VMName')][string]$Name
    )
    $state = Read-WcnSimState
    $machines = @()
    if ($null -ne $state.PSObject.Properties['virtualMachines']) {
        $machines = @($state.virtualMachines)
    }
    foreach ($wanted in $VMName) {
        $machine = @($machines | Where-Object { [string]$_.name -eq $wanted })[0]
        if ($null -eq $machine) {
            $record = New-WcnSimHyperVRecord -HyperVError ([PSCustomObject]@{
                    message  = "Hyper-V was unable to find a virtual machine with name `"$wanted`"."
                    category = 'InvalidArgument'
                    errorId  = 'InvalidParameter'
                    hresult  = 0x80131500L
                }) -CommandClass 'GetVMNetworkAdapter' -Target $wanted
            $PSCmdlet.WriteError($record)
            continue
        }
        foreach ($adapter in @($machine.networkAdapters)) {
            if (-not [string]::IsNullOrEmpty($Name) -and [string]$adapter.name -ne $Name) {
                continue
            }
            [PSCustomObject]@{
                Name               = [string]$adapter.name
                VMName             = [string]$machine.name
                MacAddressSpoofing = [string]$adapter.macAddressSpoofing
                IsManagementOs     = $false
            }
        }
    }
}

function Set-VMNetworkAdapter {
    [CmdletBinding(DefaultParameterSetName = 'VMName')]
    param(
        [Parameter(Mandatory = $true, Position = 0, ParameterSetName = 'VMName')][string]$VMName,
        [Parameter(ParameterSetName = 'VMName')][string]$Name,
        [Parameter(Mandatory = $true, Position = 0, ValueFromPipeline = $true, ParameterSetName = 'ResourceObject')][object]$VMNetworkAdapter,
        [ValidateSet('On', 'Off')][string]$MacAddressSpoofing,
        [switch]$Passthru
    )
    process {
        if ($PSCmdlet.ParameterSetName -eq 'ResourceObject') {
            $target = [ordered]@{ vmName = [string]$VMNetworkAdapter.VMName; adapterName = [string]$VMNetworkAdapter.Name }
        } else {
            $adapterName = $null
            if (-not [string]::IsNullOrEmpty($Name)) {
                $adapterName = $Name
            }
            $target = [ordered]@{ vmName = $VMName; adapterName = $adapterName }
        }
        if ([string]::IsNullOrEmpty($MacAddressSpoofing)) {
            return
        }
        $request = [ordered]@{ targets = @($target); value = $MacAddressSpoofing }
        $changed = Invoke-WcnSimVSwitchCli -Cmdlet $PSCmdlet -Action 'set-vm-adapter' -Request $request -CommandClass 'SetVMNetworkAdapter' -Target $target.vmName
        if ($Passthru) {
            foreach ($view in @($changed)) {
                [PSCustomObject]@{
                    Name               = [string]$view.Name
                    VMName             = [string]$view.VMName
                    MacAddressSpoofing = [string]$view.MacAddressSpoofing
                    IsManagementOs     = $false
                }
            }
        }
    }
}

function Get-NetAdapter {
    [CmdletBinding(DefaultParameterSetName = 'ByName')]
    param(
        [Parameter(Position = 0, ParameterSetName = 'ByName')][string[]]$Name,
        [Parameter(ParameterSetName = 'ByName')][switch]$Physical,
        [Parameter(ParameterSetName = 'ByName')][switch]$IncludeHidden
    )
    $state = Read-WcnSimState
    $found = @()
    foreach ($adapter in @($state.adapters)) {
        if (-not (Test-WcnSimNameMatch -Patterns $Name -Value $adapter.name)) {
            continue
        }
        $isVirtual = ([string]$adapter.kind -eq 'virtual')
        if ($Physical -and $isVirtual) {
            continue
        }
        $found += [string]$adapter.name
        [PSCustomObject]@{
            Name                 = [string]$adapter.name
            InterfaceDescription = [string]$adapter.interfaceDescription
            InterfaceIndex       = [int]$adapter.ifIndex
            ifIndex              = [int]$adapter.ifIndex
            MacAddress           = [string]$adapter.macAddress
            Status               = [string]$adapter.status
            Virtual              = $isVirtual
            HardwareInterface    = (-not $isVirtual)
            PhysicalMediaType    = [string]$adapter.physicalMediaType
        }
    }
    Write-WcnSimMissingNames -Cmdlet $PSCmdlet -Patterns $Name -Found $found -ClassName 'MSFT_NetAdapter'
}

function Get-NetIPAddress {
    [CmdletBinding()]
    param(
        [Parameter(Position = 0)][string[]]$IPAddress,
        [uint32[]]$InterfaceIndex,
        [string[]]$InterfaceAlias,
        [ValidateSet('IPv4', 'IPv6')][string[]]$AddressFamily
    )
    $state = Read-WcnSimState
    foreach ($adapter in @($state.adapters)) {
        if ($null -ne $InterfaceIndex -and $InterfaceIndex -notcontains [uint32]$adapter.ifIndex) {
            continue
        }
        if (-not (Test-WcnSimNameMatch -Patterns $InterfaceAlias -Value $adapter.name)) {
            continue
        }
        # The simulated host has IPv4 addresses only.
        if ($null -ne $AddressFamily -and $AddressFamily -notcontains 'IPv4') {
            continue
        }
        foreach ($assignment in @($adapter.ipv4Addresses)) {
            if (-not (Test-WcnSimNameMatch -Patterns $IPAddress -Value $assignment.address)) {
                continue
            }
            [PSCustomObject]@{
                IPAddress      = [string]$assignment.address
                InterfaceIndex = [int]$adapter.ifIndex
                InterfaceAlias = [string]$adapter.name
                AddressFamily  = 'IPv4'
                PrefixLength   = [byte]$assignment.prefixLength
            }
        }
    }
}

# Returns the SwitchGuid HNS prints for a network: the stored upper-case id of the switch it was
# layered on, or, in an older state file without one, the id of the switch of that name.
function Get-WcnSimHnsSwitchGuid {
    param($State, $Network)
    if (-not [string]::IsNullOrEmpty([string]$Network.switchGuid)) {
        return [string]$Network.switchGuid
    }
    if ($null -eq $Network.switchName) {
        return $null
    }
    $vmSwitch = @($State.vmSwitches | Where-Object { [string]$_.name -eq [string]$Network.switchName })[0]
    if ($null -eq $vmSwitch) {
        return $null
    }
    return ([string]$vmSwitch.id).ToUpperInvariant()
}

# Projects one simulator HNS network to the JSON shape HNS returns (PascalCase, absent fields left
# out), as hns.psm1's Get-HnsNetwork prints it after ConvertFrom-Json.
function ConvertTo-WcnSimHnsNetwork {
    param($State, $Network)
    $subnets = @()
    foreach ($subnet in @($Network.subnets)) {
        $row = [ordered]@{ AddressPrefix = [string]$subnet.addressPrefix }
        if ($null -ne $subnet.gatewayAddress) {
            $row.GatewayAddress = [string]$subnet.gatewayAddress
        }
        $subnets += [PSCustomObject]$row
    }
    $macPools = @()
    foreach ($pool in @($Network.macPools)) {
        $macPools += [PSCustomObject][ordered]@{ EndMacAddress = [string]$pool.endMacAddress; StartMacAddress = [string]$pool.startMacAddress }
    }
    $policies = @()
    if ($null -ne $Network.vlanId) {
        $policies += [PSCustomObject][ordered]@{ Type = 'VLAN'; VLAN = [int]$Network.vlanId }
    }
    if ($null -ne $Network.vsid) {
        $policies += [PSCustomObject][ordered]@{ Type = 'VSID'; VSID = [int]$Network.vsid }
    }
    $result = [ordered]@{
        ID       = [string]$Network.id
        Name     = [string]$Network.name
        Type     = [string]$Network.type
        Subnets  = $subnets
        MacPools = $macPools
        Policies = $policies
    }
    $optional = @{
        NetworkAdapterName = $Network.networkAdapterName
        NatName            = $Network.natName
        DNSServerList      = $Network.dnsServerList
        DNSSuffix          = $Network.dnsSuffix
        SwitchGuid         = (Get-WcnSimHnsSwitchGuid -State $State -Network $Network)
        SwitchName         = $Network.switchName
    }
    foreach ($key in @('NetworkAdapterName', 'NatName', 'DNSServerList', 'DNSSuffix', 'SwitchGuid', 'SwitchName')) {
        if ($null -ne $optional[$key]) {
            $result[$key] = [string]$optional[$key]
        }
    }
    return [PSCustomObject]$result
}

function Get-HnsNetwork {
    [CmdletBinding()]
    param([Parameter(Position = 0)][string]$Id, [switch]$Detailed)
    $state = Read-WcnSimState
    foreach ($network in @($state.hnsNetworks)) {
        if (-not [string]::IsNullOrEmpty($Id) -and [string]$network.id -ne $Id) {
            continue
        }
        ConvertTo-WcnSimHnsNetwork -State $state -Network $network
    }
}

# Removes HNS networks by the ID of each input object, as objects from Get-HnsNetwork carry it.
# Ids that do not exist are reported after the others are removed.
# NOTE: the error for a missing network is inferred, because no output of this cmdlet for an
# unknown id has been seen. It assumes the HNS "Element not found" error (0x80070490).
function Remove-HnsNetwork {
    [CmdletBinding()]
    param([Parameter(Mandatory = $true, Position = 0, ValueFromPipeline = $true)][Object[]]$InputObjects)
    begin {
        $ids = @()
    }
    process {
        foreach ($object in $InputObjects) {
            $id = [string]$object.ID
            if ([string]::IsNullOrEmpty($id)) {
                $exception = New-Object -TypeName ArgumentException -ArgumentList 'the input object has no ID property: pass objects from Get-HnsNetwork'
                $PSCmdlet.ThrowTerminatingError((New-Object -TypeName Management.Automation.ErrorRecord -ArgumentList $exception, 'InputObjectWithoutId', 'InvalidArgument', $object))
            }
            $ids += $id
        }
    }
    end {
        if ($ids.Count -eq 0) {
            return
        }
        $arguments = @($script:HnsCli, 'remove-network', '--state', $script:StatePath)
        foreach ($id in $ids) {
            $arguments += @('--id', $id)
        }
        $outcome = Invoke-WcnSimNodeCli -Arguments $arguments -Description "remove-network $($ids -join ' ')"
        foreach ($id in @($outcome.notFound)) {
            $exception = New-Object -TypeName InvalidOperationException -ArgumentList "Element not found. (0x80070490) HNS network $id"
            $PSCmdlet.WriteError((New-Object -TypeName Management.Automation.ErrorRecord -ArgumentList $exception, 'ElementNotFound', 'ObjectNotFound', $id))
        }
    }
}

function Get-HnsEndpoint {
    [CmdletBinding()]
    param([Parameter(Position = 0)][string]$Id)
    $state = Read-WcnSimState
    foreach ($endpoint in @($state.hnsEndpoints)) {
        if (-not [string]::IsNullOrEmpty($Id) -and [string]$endpoint.id -ne $Id) {
            continue
        }
        [PSCustomObject][ordered]@{
            ID                 = [string]$endpoint.id
            Name               = [string]$endpoint.name
            VirtualNetwork     = [string]$endpoint.virtualNetwork
            VirtualNetworkName = [string]$endpoint.virtualNetworkName
            MacAddress         = [string]$endpoint.macAddress
            IPAddress          = [string]$endpoint.ipAddress
            PrefixLength       = [int]$endpoint.prefixLength
            GatewayAddress     = [string]$endpoint.gatewayAddress
            DNSServerList      = [string]$endpoint.dnsServerList
            DNSSuffix          = [string]$endpoint.dnsSuffix
            IsStatic           = [bool]$endpoint.isStatic
            SharedContainers   = @([string]$endpoint.containerId)
        }
    }
}

function New-WcnSimService {
    param([string]$Name, [string]$Status)
    return [PSCustomObject]@{
        Name        = $Name
        ServiceName = $Name
        DisplayName = $script:ServiceDisplayNames[$Name]
        Status      = $Status
        StartType   = 'Automatic'
    }
}

# Throws the error Get-Service reports for a service the simulated host does not have. Only hns
# and docker exist there.
function Assert-WcnSimServiceName {
    param($Cmdlet, [string]$Name, [string]$CommandType)
    if ($script:ServiceDisplayNames.ContainsKey($Name)) {
        return
    }
    $exception = New-Object -TypeName InvalidOperationException -ArgumentList "Cannot find any service with service name '$Name'."
    $record = New-Object -TypeName Management.Automation.ErrorRecord -ArgumentList $exception, "NoServiceFoundForGivenName,Microsoft.PowerShell.Commands.$CommandType", 'ObjectNotFound', $Name
    $Cmdlet.ThrowTerminatingError($record)
}

function Get-Service {
    [CmdletBinding(DefaultParameterSetName = 'Default')]
    param([Parameter(Position = 0, ParameterSetName = 'Default')][string[]]$Name)
    $state = Read-WcnSimState
    $names = @($Name)
    if ($null -eq $Name) {
        $names = @('docker', 'hns')
    }
    foreach ($serviceName in $names) {
        $key = ([string]$serviceName).ToLowerInvariant()
        if (-not $script:ServiceDisplayNames.ContainsKey($key)) {
            $exception = New-Object -TypeName InvalidOperationException -ArgumentList "Cannot find any service with service name '$serviceName'."
            $PSCmdlet.WriteError((New-Object -TypeName Management.Automation.ErrorRecord -ArgumentList $exception, 'NoServiceFoundForGivenName,Microsoft.PowerShell.Commands.GetServiceCommand', 'ObjectNotFound', $serviceName))
            continue
        }
        New-WcnSimService -Name $key -Status ([string]$state.services.$key.status)
    }
}

# Runs one of the simulator's node commands, which change the state file under its lock, and
# returns the JSON object it prints.
function Invoke-WcnSimNodeCli {
    param([string[]]$Arguments, [string]$Description)
    $ErrorActionPreference = 'Continue'
    $output = & $script:Node @Arguments 2>&1
    if ($LASTEXITCODE -ne 0) {
        throw "simulated host command '$Description' failed with exit code ${LASTEXITCODE}: $($output -join ' ')"
    }
    return (ConvertFrom-Json -InputObject (($output | ForEach-Object { [string]$_ }) -join "`n"))
}

# Runs service-cli.js to change a service in the state file under its lock. Returns the services
# object it prints.
function Invoke-WcnSimServiceCli {
    param([string]$Action, [string]$Name)
    $arguments = @($script:ServiceCli, $Action, '--state', $script:StatePath, '--service', $Name, '--daemon-json-file', (Get-WcnSimDaemonJsonPath))
    return (Invoke-WcnSimNodeCli -Arguments $arguments -Description "$Action $Name")
}

# Throws the error Start-Service reports when the service stops during its start.
function Assert-WcnSimServiceRunning {
    param($Cmdlet, $Services, [string]$Name, [string]$CommandType)
    if ([string]$Services.$Name.status -eq 'Running') {
        return
    }
    $display = $script:ServiceDisplayNames[$Name]
    $exception = New-Object -TypeName InvalidOperationException -ArgumentList "Service '$display ($Name)' cannot be started due to the following error: Cannot start service $Name on computer '.'."
    $record = New-Object -TypeName Management.Automation.ErrorRecord -ArgumentList $exception, "CouldNotStartService,Microsoft.PowerShell.Commands.$CommandType", 'OpenError', $Name
    $Cmdlet.ThrowTerminatingError($record)
}

function Start-Service {
    [CmdletBinding(DefaultParameterSetName = 'Default')]
    param(
        [Parameter(Mandatory = $true, Position = 0, ParameterSetName = 'Default')][string[]]$Name,
        [Parameter(ParameterSetName = 'Default')][switch]$PassThru
    )
    foreach ($serviceName in $Name) {
        $key = ([string]$serviceName).ToLowerInvariant()
        Assert-WcnSimServiceName -Cmdlet $PSCmdlet -Name $key -CommandType 'StartServiceCommand'
        $services = Invoke-WcnSimServiceCli -Action 'start' -Name $key
        Assert-WcnSimServiceRunning -Cmdlet $PSCmdlet -Services $services -Name $key -CommandType 'StartServiceCommand'
        if ($PassThru) {
            New-WcnSimService -Name $key -Status ([string]$services.$key.status)
        }
    }
}

function Stop-Service {
    [CmdletBinding(DefaultParameterSetName = 'Default')]
    param(
        [Parameter(Mandatory = $true, Position = 0, ParameterSetName = 'Default')][string[]]$Name,
        [Parameter(ParameterSetName = 'Default')][switch]$Force,
        [Parameter(ParameterSetName = 'Default')][switch]$PassThru
    )
    foreach ($serviceName in $Name) {
        $key = ([string]$serviceName).ToLowerInvariant()
        Assert-WcnSimServiceName -Cmdlet $PSCmdlet -Name $key -CommandType 'StopServiceCommand'
        if ($key -eq 'hns' -and -not $Force) {
            $exception = New-Object -TypeName InvalidOperationException -ArgumentList "Cannot stop service 'Host Network Service (hns)' because it has dependent services. It can only be stopped if the Force flag is set."
            $PSCmdlet.ThrowTerminatingError((New-Object -TypeName Management.Automation.ErrorRecord -ArgumentList $exception, 'ServiceHasDependentServices,Microsoft.PowerShell.Commands.StopServiceCommand', 'InvalidOperation', $key))
        }
        $services = Invoke-WcnSimServiceCli -Action 'stop' -Name $key
        if ($PassThru) {
            New-WcnSimService -Name $key -Status ([string]$services.$key.status)
        }
    }
}

function Restart-Service {
    [CmdletBinding(DefaultParameterSetName = 'Default')]
    param(
        [Parameter(Mandatory = $true, Position = 0, ParameterSetName = 'Default')][string[]]$Name,
        [Parameter(ParameterSetName = 'Default')][switch]$Force,
        [Parameter(ParameterSetName = 'Default')][switch]$PassThru
    )
    foreach ($serviceName in $Name) {
        $key = ([string]$serviceName).ToLowerInvariant()
        Assert-WcnSimServiceName -Cmdlet $PSCmdlet -Name $key -CommandType 'RestartServiceCommand'
        if ($key -eq 'hns' -and -not $Force) {
            $exception = New-Object -TypeName InvalidOperationException -ArgumentList "Cannot stop service 'Host Network Service (hns)' because it has dependent services. It can only be stopped if the Force flag is set."
            $PSCmdlet.ThrowTerminatingError((New-Object -TypeName Management.Automation.ErrorRecord -ArgumentList $exception, 'ServiceHasDependentServices,Microsoft.PowerShell.Commands.RestartServiceCommand', 'InvalidOperation', $key))
        }
        # Like Windows, restarting hns with -Force stops docker and leaves it stopped.
        $services = Invoke-WcnSimServiceCli -Action 'restart' -Name $key
        Assert-WcnSimServiceRunning -Cmdlet $PSCmdlet -Services $services -Name $key -CommandType 'RestartServiceCommand'
        if ($PassThru) {
            New-WcnSimService -Name $key -Status ([string]$services.$key.status)
        }
    }
}

# Replaces the named-pipe GET /_ping check of the operation prelude: the simulated engine
# answers exactly when the state says the docker service runs.
function Test-WcnDockerEngine {
    [CmdletBinding()]
    param([int]$ConnectTimeoutMs = 2000)
    $state = Read-WcnSimState
    return ([string]$state.services.docker.status -eq 'Running')
}

Initialize-WcnSimDaemonJson

$script:ExportedCmdlets = @(
    'Get-CimInstance', 'Get-NetNat', 'Get-VMSwitch', 'New-VMSwitch', 'Set-VMSwitch', 'Remove-VMSwitch',
    'Get-VMNetworkAdapter', 'Set-VMNetworkAdapter', 'Get-NetAdapter', 'Get-NetIPAddress',
    'Get-HnsNetwork', 'Remove-HnsNetwork', 'Get-HnsEndpoint', 'Get-Service', 'Start-Service',
    'Stop-Service', 'Restart-Service', 'Test-WcnDockerEngine'
)
$script:AbsentCmdlets = @()
if (-not [string]::IsNullOrEmpty($env:WCN_SIM_ABSENT_CMDLETS)) {
    $script:AbsentCmdlets = @($env:WCN_SIM_ABSENT_CMDLETS.Split([char[]]',') | ForEach-Object { $_.Trim() })
}
Export-ModuleMember -Function @($script:ExportedCmdlets | Where-Object { $script:AbsentCmdlets -notcontains $_ })
