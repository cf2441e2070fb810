//! `airlock`: the deployment portal's single binary.

use airlock_server::cli::{AccountsCommand, AuditCommand, Cli, Command, TemplatesCommand, TokenCommand};
use airlock_server::config::Settings;
use airlock_server::{account_commands, backup_commands, commands, dispatch_commands, telemetry, world_commands};
use clap::Parser;
use std::process::ExitCode;

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    let settings = match Settings::load(cli.config.as_deref()) {
        Ok(settings) => settings,
        Err(error) => {
            eprintln!("airlock: invalid configuration: {error}");
            return ExitCode::from(2);
        }
    };
    telemetry::init(&settings.log_format, &settings.log_filter, std::io::stderr);
    let outcome = match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => commands::serve(&settings).await,
        Command::Migrate => commands::migrate(&settings).await,
        Command::Seed { demo, synthetic } => commands::seed(&settings, demo, synthetic).await,
        Command::Apply { file, dry_run } => world_commands::apply(&settings, &file, dry_run).await,
        Command::Export { output } => world_commands::export(&settings, output.as_deref()).await,
        Command::Backup { file } => backup_commands::backup(&settings, &file).await,
        Command::Restore { file, since_checkpoint } => backup_commands::restore(&settings, &file, since_checkpoint).await,
        Command::Token(TokenCommand::Create { name, roles, tenants, expires }) => {
            commands::create_token(&settings, &name, roles, tenants, expires.as_deref()).await
        }
        Command::Token(TokenCommand::List) => commands::list_tokens(&settings).await,
        Command::Token(TokenCommand::Revoke { name }) => commands::revoke_token(&settings, &name).await,
        Command::Audit(AuditCommand::Verify { since_checkpoint }) => match commands::verify_audit(&settings, since_checkpoint).await {
            Ok(false) => return ExitCode::FAILURE,
            other => other.map(|_| ()),
        },
        Command::Audit(AuditCommand::Head) => match commands::audit_head(&settings).await {
            Ok(false) => return ExitCode::FAILURE,
            other => other.map(|_| ()),
        },
        Command::Clusters(command) => match dispatch_commands::clusters(&settings, command).await {
            Ok(false) => return ExitCode::FAILURE,
            other => other.map(|_| ()),
        },
        Command::Templates(TemplatesCommand::Set { environment, file }) => {
            dispatch_commands::set_template(&settings, &environment, &file).await
        }
        Command::Templates(TemplatesCommand::Show { environment }) => dispatch_commands::show_template(&settings, &environment).await,
        Command::Accounts(AccountsCommand::List) => account_commands::list(&settings).await,
        Command::Accounts(AccountsCommand::Decide { issuer, subject, decision }) => {
            account_commands::decide(&settings, &issuer, &subject, decision).await
        }
    };
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            tracing::error!(error = %error, cause = ?std::error::Error::source(&error), "airlock stopped with an error");
            eprintln!("airlock: {error}");
            ExitCode::FAILURE
        }
    }
}
