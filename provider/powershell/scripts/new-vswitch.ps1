# Operation new-vswitch: creates an external Hyper-V switch with New-VMSwitch and prints it as
# Get-VMSwitch shows it. Input: name, adapterNames (one or more Get-NetAdapter names; several
# make a SET team with -EnableEmbeddedTeaming) and allowManagementOS. Hyper-V's errors, such as an
# adapter already bound to another external switch, pass through with their Windows text.

# Projects a switch to the RawVmSwitchState shape.
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
    }
}

function Invoke-WcnOperationBody {
    param($OperationInput)
    $name = [string]$OperationInput.name
    if ([string]::IsNullOrEmpty($name)) {
        throw (New-Object -TypeName ArgumentException -ArgumentList 'new-vswitch needs the switch name in name')
    }
    $adapterNames = @()
    foreach ($adapterName in @($OperationInput.adapterNames)) {
        if (-not [string]::IsNullOrEmpty([string]$adapterName)) {
            $adapterNames += [string]$adapterName
        }
    }
    if ($adapterNames.Count -eq 0) {
        throw (New-Object -TypeName ArgumentException -ArgumentList "new-vswitch needs at least one adapter name in adapterNames for switch '$name'")
    }
    $allowManagementOS = [bool]$OperationInput.allowManagementOS

    if ($adapterNames.Count -gt 1) {
        $created = New-VMSwitch -Name $name -NetAdapterName $adapterNames -AllowManagementOS $allowManagementOS -EnableEmbeddedTeaming $true
    } else {
        $created = New-VMSwitch -Name $name -NetAdapterName $adapterNames -AllowManagementOS $allowManagementOS
    }
    return [ordered]@{ switch = (ConvertTo-WcnVmSwitchState -VmSwitch $created) }
}
