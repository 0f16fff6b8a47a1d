//! `egscope sim`: the simulated cluster as a read-only API server.

use super::{EXIT_OK, runtime};
use crate::cli::SimArgs;
use crate::error::UserError;

/// The simulator's options and scenario from the command line.
pub fn sim_config(
    args: &SimArgs,
) -> Result<(crate::sim::Scenario, crate::sim::SimOptions), UserError> {
    use crate::demo::Scenario as Named;
    use crate::sim::{GatewayApiBundle, LargeParams, Rbac, Scenario, SimOptions};
    let scenario = match args.scenario {
        Named::Showcase => Scenario::Showcase,
        Named::Compliant => Scenario::Compliant,
        Named::Large => Scenario::Large(LargeParams {
            gateways: args.gateways,
            routes: args.routes,
            policies: args.policies,
            pods: args.pods,
            seed: args.seed,
        }),
    };
    if !args.listen.ip().is_loopback() {
        return Err(UserError::new(format!(
            "--listen {} is not a loopback address: the simulator has no authentication, so it only listens on 127.0.0.1 or ::1.",
            args.listen
        )));
    }
    let rbac = match &args.rbac {
        Some(path) => {
            let text = std::fs::read_to_string(path).map_err(|e| {
                UserError::new(format!("cannot read the RBAC file {}: {e}", path.display()))
            })?;
            Some(Rbac::from_yaml(&text).map_err(|e| {
                UserError::new(format!(
                    "the RBAC file {} has no usable ClusterRole: {e}",
                    path.display()
                ))
            })?)
        }
        None => None,
    };
    let rbac = rbac.map(|r| {
        let r = r.with_user(&args.rbac_user);
        if args.rbac_namespace.is_empty() {
            r
        } else {
            r.in_namespaces(args.rbac_namespace.iter().cloned())
        }
    });
    let opts = SimOptions {
        listen: Some(args.listen),
        seed: if matches!(scenario, Scenario::Large(_)) {
            0
        } else {
            args.seed
        },
        faults: args
            .fault
            .iter()
            .map(|f| crate::sim::faults::parse_fault(f).map_err(UserError::new))
            .collect::<Result<_, _>>()?,
        rbac,
        request_log: args.request_log.clone(),
        gateway_api: match args.gateway_api {
            crate::cli::GatewayApi::V1_4 => GatewayApiBundle::V1_4,
            crate::cli::GatewayApi::V1_6 => GatewayApiBundle::V1_6,
        },
        ..SimOptions::default()
    };
    Ok((scenario, opts))
}

/// `egscope sim`: serve the simulated cluster until Ctrl-C, advancing the
/// traffic model in real time.
pub fn sim(args: &SimArgs) -> Result<u8, UserError> {
    let (scenario, opts) = sim_config(args)?;
    let bundle = opts.gateway_api;
    runtime()?.block_on(async {
        let handle = crate::sim::Sim::start(scenario, opts).await?;
        if let Some(path) = &args.kubeconfig_out {
            std::fs::write(path, handle.kubeconfig_yaml()).map_err(|e| {
                UserError::new(format!(
                    "cannot write the kubeconfig {}: {e}",
                    path.display()
                ))
            })?;
        }
        let kubeconfig = args
            .kubeconfig_out
            .as_ref()
            .map(|p| p.display().to_string())
            .unwrap_or_else(|| "FILE".into());
        println!(
            "egscope sim: serving the {:?} scenario (Gateway API {}) at {}",
            args.scenario,
            bundle.bundle_version(),
            handle.base_url()
        );
        if args.kubeconfig_out.is_none() {
            println!("  write a kubeconfig with --kubeconfig-out FILE, or use --server:");
            println!("  kubectl --server {} get gateways -A", handle.base_url());
        }
        println!("  kubectl --kubeconfig {kubeconfig} get gateways -A");
        println!("  read-only: every method but GET answers 405. Ctrl-C stops.");
        let mut tick = tokio::time::interval(crate::sim::traffic::TICK);
        tick.tick().await;
        loop {
            tokio::select! {
                _ = tick.tick() => handle.advance(crate::sim::traffic::TICK),
                _ = tokio::signal::ctrl_c() => break,
            }
        }
        handle.shutdown().await;
        Ok::<u8, UserError>(EXIT_OK)
    })
}
