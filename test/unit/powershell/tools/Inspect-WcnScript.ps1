# Parses PowerShell files with the PowerShell parser and prints one JSON object on stdout:
#   files: for each file, its parse errors, the constructs Windows PowerShell 5.1 lacks
#          (findings) and every command call with the parameter names it uses (commands).
# Usage: pwsh -NoProfile -NonInteractive -File Inspect-WcnScript.ps1 FILE...
param([Parameter(Mandatory = $true, ValueFromRemainingArguments = $true)][string[]]$Path)

$ErrorActionPreference = 'Stop'

# Parameters that PowerShell 6 or later added to cmdlets the scripts may call.
$sevenOnlyParameters = @('Parallel', 'AsHashtable', 'EnumsAsStrings', 'AsArray', 'NoEnumerate', 'EscapeHandling', 'AsByteStream')

function New-Finding {
    param($Ast, [string]$Rule)
    return [ordered]@{
        rule = $Rule
        line = $Ast.Extent.StartLineNumber
        text = $Ast.Extent.Text
    }
}

function Find-SevenOnlySyntax {
    param($Ast)
    $findings = @()
    $nodes = $Ast.FindAll({ $true }, $true)
    foreach ($node in $nodes) {
        $typeName = $node.GetType().Name
        if ($typeName -eq 'TernaryExpressionAst') {
            $findings += New-Finding -Ast $node -Rule 'ternary operator'
        } elseif ($typeName -eq 'PipelineChainAst') {
            $findings += New-Finding -Ast $node -Rule 'pipeline chain operator'
        } elseif ($typeName -eq 'BinaryExpressionAst' -and [string]$node.Operator -eq 'QuestionQuestion') {
            $findings += New-Finding -Ast $node -Rule 'null-coalescing operator'
        } elseif ($typeName -eq 'AssignmentStatementAst' -and [string]$node.Operator -eq 'QuestionQuestionEquals') {
            $findings += New-Finding -Ast $node -Rule 'null-coalescing assignment'
        } elseif (($typeName -eq 'MemberExpressionAst' -or $typeName -eq 'InvokeMemberExpressionAst') -and $node.NullConditional) {
            $findings += New-Finding -Ast $node -Rule 'null-conditional member access'
        } elseif ($typeName -eq 'IndexExpressionAst' -and $node.NullConditional) {
            $findings += New-Finding -Ast $node -Rule 'null-conditional index'
        } elseif ($typeName -eq 'ScriptBlockAst' -and $null -ne $node.CleanBlock) {
            $findings += New-Finding -Ast $node.CleanBlock -Rule 'clean block'
        } elseif ($typeName -eq 'CommandParameterAst' -and $sevenOnlyParameters -contains $node.ParameterName) {
            $findings += New-Finding -Ast $node -Rule ('parameter -' + $node.ParameterName)
        }
    }
    return $findings
}

function Find-Commands {
    param($Ast)
    $commands = @()
    foreach ($command in $Ast.FindAll({ param($node) $node -is [System.Management.Automation.Language.CommandAst] }, $true)) {
        $name = $command.GetCommandName()
        if ($null -eq $name) {
            continue
        }
        $parameters = @()
        foreach ($element in $command.CommandElements) {
            if ($element -is [System.Management.Automation.Language.CommandParameterAst]) {
                $parameters += $element.ParameterName
            }
        }
        $splatted = $false
        foreach ($element in $command.CommandElements) {
            if ($element -is [System.Management.Automation.Language.VariableExpressionAst] -and $element.Splatted) {
                $splatted = $true
            }
        }
        $commands += [ordered]@{
            name       = $name
            parameters = $parameters
            splatted   = $splatted
            line       = $command.Extent.StartLineNumber
        }
    }
    return $commands
}

$files = @()
foreach ($file in $Path) {
    $tokens = $null
    $errors = $null
    $ast = [System.Management.Automation.Language.Parser]::ParseFile((Resolve-Path -LiteralPath $file).Path, [ref]$tokens, [ref]$errors)
    $parseErrors = @()
    foreach ($parseError in @($errors)) {
        if ($null -ne $parseError) {
            $parseErrors += [ordered]@{ line = $parseError.Extent.StartLineNumber; message = $parseError.Message }
        }
    }
    $files += [ordered]@{
        path        = $file
        parseErrors = $parseErrors
        findings    = @(Find-SevenOnlySyntax -Ast $ast)
        commands    = @(Find-Commands -Ast $ast)
    }
}
ConvertTo-Json -InputObject ([ordered]@{ files = $files }) -Depth 10 -Compress
