# Operation get-host-facts: reads everything the provider needs to know about the host in one
# round trip, in the RawHostFacts shape. Input: none (an empty object).

function Test-WcnCommand {
    param([string]$Name)
    return ($null -ne (Get-Command -Name $Name -ErrorAction SilentlyContinue))
}

function Get-WcnOsFacts {
    $os = Get-CimInstance -ClassName Win32_OperatingSystem
    $ubr = $null
    $currentVersion = 'HKLM:\SOFTWARE\Microsoft\Windows NT\CurrentVersion'
    if (Test-Path -LiteralPath $currentVersion) {
        $entry = Get-ItemProperty -LiteralPath $currentVersion -Name UBR -ErrorAction SilentlyContinue
        if ($null -ne $entry) {
            $ubr = [int]$entry.UBR
        }
    }
    return [ordered]@{
        caption     = [string]$os.Caption
        version     = [string]$os.Version
        buildNumber = [string]$os.BuildNumber
        ubr         = $ubr
    }
}

function Get-WcnPowerShellFacts {
    # Windows PowerShell before 5.1 has no PSEdition; it is always Desktop.
    $edition = 'Desktop'
    if ($PSVersionTable.ContainsKey('PSEdition')) {
        $edition = [string]$PSVersionTable.PSEdition
    }
    return [ordered]@{ edition = $edition; version = $PSVersionTable.PSVersion.ToString() }
}

function Get-WcnNetNatFacts {
    if (-not (Test-WcnCommand -Name 'Get-NetNat')) {
        return @()
    }
    $rows = @()
    foreach ($nat in @(Get-NetNat)) {
        $rows += [ordered]@{
            Name                             = [string]$nat.Name
            InternalIPInterfaceAddressPrefix = [string]$nat.InternalIPInterfaceAddressPrefix
            Active                           = [bool]$nat.Active
        }
    }
    return $rows
}

function Get-WcnVmSwitchFacts {
    $rows = @()
    foreach ($vmSwitch in @(Get-VMSwitch)) {
        $descriptions = @()
        foreach ($description in @($vmSwitch.NetAdapterInterfaceDescriptions)) {
            if ($null -ne $description) {
                $descriptions += [string]$description
            }
        }
        $single = $null
        if ($null -ne $vmSwitch.NetAdapterInterfaceDescription) {
            $single = [string]$vmSwitch.NetAdapterInterfaceDescription
        }
        $rows += [ordered]@{
            Name                            = [string]$vmSwitch.Name
            Id                              = ([string]$vmSwitch.Id).ToLowerInvariant()
            SwitchType                      = [string]$vmSwitch.SwitchType
            AllowManagementOS               = [bool]$vmSwitch.AllowManagementOS
            NetAdapterInterfaceDescription  = $single
            NetAdapterInterfaceDescriptions = $descriptions
            Notes                           = [string]$vmSwitch.Notes
        }
    }
    return $rows
}

function Get-WcnNetAdapterFacts {
    $rows = @()
    foreach ($adapter in @(Get-NetAdapter)) {
        $mediaType = $null
        if ($null -ne $adapter.PhysicalMediaType) {
            $mediaType = [string]$adapter.PhysicalMediaType
        }
        $rows += [ordered]@{
            Name                 = [string]$adapter.Name
            InterfaceDescription = [string]$adapter.InterfaceDescription
            InterfaceIndex       = [int]$adapter.InterfaceIndex
            MacAddress           = [string]$adapter.MacAddress
            Status               = [string]$adapter.Status
            Virtual              = [bool]$adapter.Virtual
            PhysicalMediaType    = $mediaType
        }
    }
    return $rows
}

function Get-WcnIpAddressFacts {
    $rows = @()
    foreach ($address in @(Get-NetIPAddress -AddressFamily IPv4)) {
        $rows += [ordered]@{
            InterfaceAlias = [string]$address.InterfaceAlias
            InterfaceIndex = [int]$address.InterfaceIndex
            IPAddress      = [string]$address.IPAddress
            PrefixLength   = [int]$address.PrefixLength
        }
    }
    return $rows
}

# Projects a Get-ContainerNetwork object (the Containers module of Windows Server 2016 previews),
# whose Mode is an enum, to plain strings.
function ConvertFrom-WcnContainerNetwork {
    param($Network)
    return [ordered]@{
        Name               = [string]$Network.Name
        Id                 = [string]$Network.Id
        Mode               = [string]$Network.Mode
        NetworkAdapterName = [string]$Network.NetworkAdapterName
        SubnetPrefix       = @($Network.SubnetPrefix | ForEach-Object { [string]$_ })
        GatewayAddress     = @($Network.GatewayAddress | ForEach-Object { [string]$_ })
    }
}

function Get-WcnHnsFacts {
    if (Test-WcnCommand -Name 'Get-HnsNetwork') {
        return [ordered]@{ source = 'Get-HnsNetwork'; networks = @(Get-HnsNetwork) }
    }
    if (Test-WcnCommand -Name 'Get-ContainerNetwork') {
        $networks = @()
        foreach ($network in @(Get-ContainerNetwork)) {
            $networks += ConvertFrom-WcnContainerNetwork -Network $network
        }
        return [ordered]@{ source = 'Get-ContainerNetwork'; networks = $networks }
    }
    return [ordered]@{ source = 'none'; networks = @() }
}

function Get-WcnHypervFacts {
    if (-not (Test-WcnCommand -Name 'Get-VMSwitch')) {
        return [ordered]@{ present = $false; switches = @() }
    }
    # The Hyper-V module can be installed without the role; Get-VMSwitch then fails.
    try {
        $switches = @(Get-WcnVmSwitchFacts)
        return [ordered]@{ present = $true; switches = $switches }
    } catch {
        return [ordered]@{ present = $false; switches = @() }
    }
}

function Invoke-WcnOperationBody {
    param($OperationInput)
    $hyperv = Get-WcnHypervFacts
    $hns = Get-WcnHnsFacts
    $daemonJsonPath = Get-WcnDaemonJsonPath
    $daemonJsonContent = Read-WcnTextFile -Path $daemonJsonPath
    return [ordered]@{
        os            = (Get-WcnOsFacts)
        powershell    = (Get-WcnPowerShellFacts)
        hypervPresent = $hyperv.present
        netNat        = @(Get-WcnNetNatFacts)
        vmSwitches    = @($hyperv.switches)
        netAdapters   = @(Get-WcnNetAdapterFacts)
        ipAddresses   = @(Get-WcnIpAddressFacts)
        hnsSource     = $hns.source
        hnsNetworks   = @($hns.networks)
        daemonJson    = [ordered]@{
            path    = $daemonJsonPath
            exists  = ($null -ne $daemonJsonContent)
            content = $daemonJsonContent
        }
        services      = [ordered]@{
            hns    = (Get-WcnServiceState -Name 'hns')
            docker = (Get-WcnServiceState -Name 'docker')
        }
    }
}
