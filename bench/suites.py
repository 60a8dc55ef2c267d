"""The five questions of issue 7, each measured into a Table.

Ours and the alternative are measured alternately in the same run, so that load from other
work on the machine hits both sides alike; the ratios are the numbers to trust.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from pathlib import Path

from bench.measure import Run, median
from bench.projects import ECDSA, RSA, STACK, CdktfProject, PlainProject, service_names
from bench.recipe import render_script
from bench.replicate import replicate
from bench.report import Table, finish, mib, ratio, seconds, stamp
from bench.tools import Tools, plan_args


@dataclass
class Startup:
    """What one launch of the stand-in costs, from no-op plans with and without the provider."""

    per_launch_s: float = 0.0
    rows: list[list[str]] = field(default_factory=list)

    def share(self, run: Run) -> str:
        """Provider start-up as launches x per-launch cost, and its share of the wall time."""
        cost = min(run.launches * self.per_launch_s, run.wall_s)
        return f"{run.launches} x → {cost:.1f} s ({100 * cost / run.wall_s:.0f}%)"


@dataclass
class Results:
    """Figures the target summary needs, filled in by the suites."""

    synth_ms_per_service: dict[int, float] = field(default_factory=dict)
    cdktf_ms_per_service: dict[int, float] = field(default_factory=dict)
    plan_ratio: dict[int, float] = field(default_factory=dict)
    add_ratio: dict[int, float] = field(default_factory=dict)
    cdktf_add_ratio: dict[int, float] = field(default_factory=dict)
    """`cdktf deploy` (the Node path) against the plain module's apply: reported, no target."""
    issue: dict[str, tuple[float, float, float, float]] = field(default_factory=dict)
    plan_parts: dict[int, dict[str, float]] = field(default_factory=dict)
    plan_floor: dict[int, float] = field(default_factory=dict)
    """The plain module reviewed as `internal-ca plan` must be, plus the app's fixed start."""
    add_floor: dict[int, float] = field(default_factory=dict)
    """The plain module deployed as `internal-ca deploy` must, plus the app's fixed start."""


def _fresh(tools: Tools, name: str) -> Path:
    folder = tools.work / name
    if folder.exists():
        shutil.rmtree(folder)
    return folder


def measure_startup(tools: Tools, repeats: int) -> tuple[Startup, Table]:
    """No-op plan and apply with zero resources: with tls required, and with no provider."""
    table = stamp(
        Table(
            "Provider start-up (no-op commands, zero resources)",
            ["Command", "Provider", "Wall (median)", "Stand-in launches"],
        )
    )
    with_tls = _fresh(tools, "noop-tls")
    with_tls.mkdir(mode=0o700)
    (with_tls / "main.tf").write_text(
        'terraform {\n  required_providers {\n    tls = {\n      source  = "hashicorp/tls"\n'
        '      version = "4.1.0"\n    }\n  }\n}\n\nprovider "tls" {}\n'
    )
    bare = _fresh(tools, "noop-bare")
    bare.mkdir(mode=0o700)
    (bare / "main.tf").write_text('output "nothing" {\n  value = null\n}\n')
    config = str(tools.cli_config)
    tools.run(
        "noop-init", ["terraform", "init", "-input=false"], with_tls, TF_CLI_CONFIG_FILE=config
    )
    tools.run("noop-init-bare", ["terraform", "init", "-input=false"], bare)

    def timed(folder: Path, *args: str) -> Run:
        runs = [
            tools.run("noop", ["terraform", *args], folder, TF_CLI_CONFIG_FILE=config)
            for _ in range(repeats)
        ]
        middle = median([run.wall_s for run in runs])
        return Run(middle, max(r.peak_rss_mib for r in runs), 0, runs[-1].launches)

    plan_tls = timed(with_tls, *plan_args())
    plan_bare = timed(bare, *plan_args())
    apply_tls = timed(with_tls, "apply", "-auto-approve", "-input=false")
    apply_bare = timed(bare, "apply", "-auto-approve", "-input=false")
    startup = Startup()
    if plan_tls.launches:
        startup.per_launch_s = max(0.0, plan_tls.wall_s - plan_bare.wall_s) / plan_tls.launches
    for label, provider, run in (
        ("terraform plan", "tls stand-in", plan_tls),
        ("terraform plan", "none", plan_bare),
        ("terraform apply -auto-approve", "tls stand-in", apply_tls),
        ("terraform apply -auto-approve", "none", apply_bare),
    ):
        table.rows.append([label, provider, seconds(run.wall_s), str(run.launches)])
    table.notes.append(
        f"One stand-in launch costs about **{startup.per_launch_s:.2f} s** "
        "((plan with tls - plan without a provider) / launches). Every end-to-end figure below "
        "gives its launch count and this estimate of the start-up share. The stand-in "
        "(tls_standin/, Python + grpc) replaces the real Go provider offline; a Go provider "
        "starts in tens of milliseconds, so with the registry provider this share shrinks."
    )
    return startup, finish(table)


def measure_synth(tools: Tools, sizes: list[int], results: Results) -> Table:
    table = stamp(
        Table(
            "1. Synth",
            [
                "N",
                "In-process: wall",
                "of which constructs + synth",
                "ms/service",
                "peak RSS Python / jsii Node",
                "`cdktf synth`: wall",
                "ms/service",
                "peak RSS (largest process)",
            ],
        )
    )
    for size in sizes:
        project = CdktfProject.create(_fresh(tools, f"synth-{size}"))
        project.write_app(service_names(size))
        inproc, phases = tools.inproc_synth(project)
        cli = tools.cdktf_synth(project)
        per_service = 1000 * phases["synth_s"] / size
        cli_per_service = 1000 * cli.wall_s / size
        results.synth_ms_per_service[size] = per_service
        results.cdktf_ms_per_service[size] = cli_per_service
        table.rows.append(
            [
                str(size),
                seconds(inproc.wall_s),
                seconds(phases["synth_s"]),
                f"{per_service:.2f}",
                f"{mib(phases['python_peak_mib'])} / {mib(phases['node_peak_mib'])}",
                seconds(cli.wall_s),
                f"{cli_per_service:.2f}",
                mib(cli.peak_rss_mib),
            ]
        )
        shutil.rmtree(project.root)
    small, large = min(sizes), max(sizes)
    if large > small:
        table.notes.append(
            "Marginal in-process cost between N="
            f"{small} and N={large}: **{_marginal(results.synth_ms_per_service, small, large):.2f}"
            " ms/service**. In-process wall includes starting Python, importing cdktf and "
            "starting the jsii kernel (Node); `cdktf synth` adds the Node CLI on top."
        )
    return finish(table)


def _marginal(per_service: dict[int, float], small: int, large: int) -> float:
    total_small = per_service[small] * small
    total_large = per_service[large] * large
    return (total_large - total_small) / (large - small)


REAL_DEPLOY_LIMIT = 100


def deploy_ours(tools: Tools, project: CdktfProject) -> Run:
    """`internal-ca deploy` of a new stack: --initial lets it create (and pin) the CA."""
    return tools.internal_ca(project, "deploy", "--auto-approve", "--initial")


def deploy_both(
    tools: Tools, size: int
) -> tuple[CdktfProject, PlainProject, Run | None, Run | None]:
    """A CA of `size` ECDSA P-256 services, deployed by ours and by the plain module.

    Above REAL_DEPLOY_LIMIT one service is deployed and its state replicated (see
    bench/replicate.py); the runs are None then.
    """
    names = service_names(size)
    real = names if size <= REAL_DEPLOY_LIMIT else names[:1]
    project = CdktfProject.create(_fresh(tools, f"ours-{size}"))
    project.write_app(real)
    ours = deploy_ours(tools, project)
    plain = PlainProject.create(_fresh(tools, f"plain-{size}"))
    plain.write_services(real)
    init = tools.plain_terraform(plain, "plain-init", "init", "-input=false")
    apply = tools.plain_terraform(plain, "plain-apply", "apply", "-auto-approve", "-input=false")
    if real != names:
        replicate(project.root / "state" / f"{STACK}.tfstate", names[1:])
        replicate(plain.root / "terraform.tfstate", names[1:])
        project.write_app(names)
        plain.write_services(names)
        return project, plain, None, None
    plain_run = Run(
        init.wall_s + apply.wall_s,
        max(init.peak_rss_mib, apply.peak_rss_mib),
        0,
        init.launches + apply.launches,
    )
    return project, plain, ours, plain_run


def _total(runs: list[Run]) -> Run:
    return Run(
        sum(r.wall_s for r in runs),
        max(r.peak_rss_mib for r in runs),
        0,
        sum(r.launches for r in runs),
    )


def plan_steps(tools: Tools, project: CdktfProject) -> dict[str, float]:
    """The steps of `internal-ca plan` run one by one: where its time goes."""
    parts = {"python main.py": tools.app_synth(project).wall_s}
    plan_dir = tools.work / "plan-files"
    plan_dir.mkdir(mode=0o700, exist_ok=True)
    plan_file = plan_dir / "plan.bin"
    # -detailed-exitcode: a step-by-step review of an unchanged CA must find nothing to do.
    plan = tools.stack_terraform(project, "plan", *plan_args(plan_file), "-detailed-exitcode")
    parts["terraform plan -out"] = plan.wall_s
    # The plan JSON holds every key in plain text: it goes to a private log that is deleted.
    show = tools.stack_terraform(project, "show-json", "show", "-json", str(plan_file))
    parts["terraform show -json"] = show.wall_s
    (tools.work / "logs" / "show-json.log").unlink()
    plan_file.unlink()
    return parts


def plain_reviewed(tools: Tools, plain: PlainProject, *, apply: bool) -> dict[str, Run]:
    """The plain module driven the way a reviewed deploy must be: no wrapper, no synth.

    `terraform plan -out`, then `terraform show -json` (a certificate summary and a guard
    need the planned values), then, for a deploy, `terraform apply` of exactly that plan.
    This is the floor any tool applying only a summarized plan pays on top of Terraform.
    """
    plan_dir = tools.work / "plan-files"
    plan_dir.mkdir(mode=0o700, exist_ok=True)
    plan_file = plan_dir / "plain.bin"
    ok = (2,) if apply else (0,)
    steps = {
        "plan -out": tools.run(
            "plain-reviewed-plan",
            ["terraform", *plan_args(plan_file), "-detailed-exitcode"],
            plain.root,
            ok_codes=ok,
            TF_CLI_CONFIG_FILE=str(tools.cli_config),
        )
    }
    # The plan JSON holds every key in plain text: it goes to a private log that is deleted.
    steps["show -json"] = tools.plain_terraform(
        plain, "plain-show-json", "show", "-json", str(plan_file)
    )
    (tools.work / "logs" / "plain-show-json.log").unlink()
    if apply:
        steps["apply PLAN"] = tools.plain_terraform(
            plain, "plain-apply-plan", "apply", "-input=false", "-no-color", str(plan_file)
        )
    plan_file.unlink()
    return steps


def synth_floor(tools: Tools, repeats: int) -> float:
    """`python main.py` for an app with the CA and no service: Python, cdktf and its kernel.

    Every CDKTF Python app pays this before its first construct, whatever N is.
    """
    project = CdktfProject.create(_fresh(tools, "synth-floor"))
    project.write_app([])
    runs = [tools.app_synth(project) for _ in range(max(repeats, 3))]
    shutil.rmtree(project.root)
    return _median_run(runs).wall_s


def _median_run(runs: list[Run]) -> Run:
    return sorted(runs, key=lambda run: run.wall_s)[len(runs) // 2]


def measure_plan_and_add(
    tools: Tools, sizes: list[int], repeats: int, startup: Startup, results: Results
) -> tuple[Table, Table, Table, Table]:
    seed = stamp(
        Table(
            "Setup: issuing a CA of N services from scratch (ECDSA P-256), ours vs plain",
            [
                "N",
                "Ours: `internal-ca deploy --initial`",
                "provider start-up",
                "Plain: init + apply",
                "provider start-up",
                "Ratio",
            ],
        )
    )
    plan = stamp(
        Table(
            "2. Plan review on an unchanged CA",
            [
                "N",
                "Ours: `internal-ca plan` (median)",
                "its steps, one by one",
                "provider start-up",
                "peak RSS",
                "Plain `terraform plan`",
                "provider start-up",
                "peak RSS",
                "Ratio",
            ],
        )
    )
    add = stamp(
        Table(
            "3. Adding one service to a CA of N",
            [
                "N",
                "Ours: `internal-ca deploy`",
                "provider start-up",
                "peak RSS",
                "Plain `terraform apply`",
                "provider start-up",
                "peak RSS",
                "Ratio",
                "Node path: `cdktf deploy`",
                "Ratio",
            ],
        )
    )
    floors = stamp(
        Table(
            "3b. Floors: the plain module reviewed and applied the way `internal-ca` must",
            [
                "N",
                "Plain `terraform plan`",
                "plain `plan -out` + `show -json`",
                "+ app start (no service)",
                "Plan review floor",
                "Plain `terraform apply`",
                "plain `plan -out` + `show -json` + `apply PLAN`",
                "+ app start (no service)",
                "Adding one floor",
            ],
        )
    )
    app_start = synth_floor(tools, repeats)
    for size in sizes:
        project, plain, ours_seed, plain_seed = deploy_both(tools, size)
        if ours_seed is None or plain_seed is None:
            seed.rows.append([str(size), "replicated", "", "replicated", "", ""])
        else:
            seed.rows.append(
                [
                    str(size),
                    seconds(ours_seed.wall_s),
                    startup.share(ours_seed),
                    seconds(plain_seed.wall_s),
                    startup.share(plain_seed),
                    ratio(ours_seed.wall_s, plain_seed.wall_s),
                ]
            )
        count = repeats if size <= REAL_DEPLOY_LIMIT else 1
        ours_runs: list[Run] = []
        plain_runs: list[Run] = []
        reviewed_runs: list[Run] = []
        for _ in range(count):
            ours_runs.append(tools.internal_ca(project, "plan"))
            plain_runs.append(
                tools.plain_terraform(plain, "plain-plan", *plan_args(), "-detailed-exitcode")
            )
            reviewed_runs.append(_total(list(plain_reviewed(tools, plain, apply=False).values())))
        ours_run = _median_run(ours_runs)
        plain_run = _median_run(plain_runs)
        reviewed_plan = _median_run(reviewed_runs).wall_s
        parts = plan_steps(tools, project)
        results.plan_ratio[size] = ours_run.wall_s / plain_run.wall_s
        results.plan_parts[size] = {**parts, "plain terraform plan": plain_run.wall_s}
        plan.rows.append(
            [
                str(size),
                seconds(ours_run.wall_s),
                ", ".join(f"{name} {value:.1f} s" for name, value in parts.items()),
                startup.share(ours_run),
                mib(ours_run.peak_rss_mib),
                seconds(plain_run.wall_s),
                startup.share(plain_run),
                mib(plain_run.peak_rss_mib),
                ratio(ours_run.wall_s, plain_run.wall_s),
            ]
        )

        project.write_app(service_names(size + 1))
        ours_add = tools.internal_ca(project, "deploy", "--auto-approve")
        plain.write_services(service_names(size + 1))
        plain_add = tools.plain_terraform(
            plain, "plain-add", "apply", "-auto-approve", "-input=false"
        )
        results.add_ratio[size] = ours_add.wall_s / plain_add.wall_s
        # The Node path adds a second service, so it does the same work as the runs above.
        project.write_app(service_names(size + 2))
        node_add = tools.cdktf_deploy(project)
        results.cdktf_add_ratio[size] = node_add.wall_s / plain_add.wall_s
        plain.write_services(service_names(size + 2))
        reviewed_add = _total(list(plain_reviewed(tools, plain, apply=True).values())).wall_s
        results.plan_floor[size] = (reviewed_plan + app_start) / plain_run.wall_s
        results.add_floor[size] = (reviewed_add + app_start) / plain_add.wall_s
        floors.rows.append(
            [
                str(size),
                seconds(plain_run.wall_s),
                seconds(reviewed_plan),
                seconds(reviewed_plan + app_start),
                ratio(reviewed_plan + app_start, plain_run.wall_s),
                seconds(plain_add.wall_s),
                seconds(reviewed_add),
                seconds(reviewed_add + app_start),
                ratio(reviewed_add + app_start, plain_add.wall_s),
            ]
        )
        add.rows.append(
            [
                str(size),
                seconds(ours_add.wall_s),
                startup.share(ours_add),
                mib(ours_add.peak_rss_mib),
                seconds(plain_add.wall_s),
                startup.share(plain_add),
                mib(plain_add.peak_rss_mib),
                ratio(ours_add.wall_s, plain_add.wall_s),
                seconds(node_add.wall_s),
                ratio(node_add.wall_s, plain_add.wall_s),
            ]
        )
        shutil.rmtree(project.root)
        shutil.rmtree(plain.root)
    plan.notes.append(
        "Ours is `internal-ca plan`: synth (the app run directly, `python main.py`), "
        "`terraform init` only when its inputs changed, `terraform plan -out`, "
        "`terraform show -json`, the certificate-level summary and the guard. The plain "
        "module's side is `terraform plan` in an initialised folder. Both refresh every "
        "resource through the stand-in provider. The steps column comes from one extra run "
        "of the same steps one at a time; the rest of `internal-ca plan` is its own start-up "
        "(Python, reading state and the CA pin), reading the plan JSON, the summary and the "
        "guard."
    )
    add.notes.append(
        "Ours is `internal-ca deploy --auto-approve`: the same synth and plan as "
        "`internal-ca plan`, its summary and guard, then `terraform apply` of that saved plan "
        "and a report of what was issued. Plain is `terraform apply -auto-approve`. The Node "
        "path adds one more service with `cdktf deploy --auto-approve` (the cdktf CLI: "
        "`cdktf synth` through Node, then plan and apply rendered by the CLI), the way the "
        "users' card deploys without the wrapper; it is reported, with no target."
    )
    seed.notes.append(
        "Ours has 4 resources per service (key, CSR, cert and the key-version "
        "`terraform_data`) and 2 outputs; the plain module has 3 and one map output. "
        f"Above N = {REAL_DEPLOY_LIMIT}, both states are made by deploying one service for "
        "real and copying its state entries under the other names (bench/replicate.py): "
        "Terraform's own CPU in an apply that creates many resources grows with their square "
        "(100 services: 9.7 s, 300: 86 s, of which the provider used 1.6 s and 4.8 s), so "
        "1000 from scratch would take about 15 minutes per side. The copies share one key "
        "and certificate, and every plan of them runs with `-detailed-exitcode` to prove "
        "that they match the configuration (no changes)."
    )
    floors.notes.append(
        "What any tool that reviews before it applies pays, measured on the plain module "
        "itself: a certificate summary and a guard need the planned values, so "
        "`terraform plan -out` and `terraform show -json`; applying exactly the reviewed plan "
        "is a third Terraform run, `terraform apply PLAN`, where the plain module's "
        "`terraform apply -auto-approve` plans and applies in one. The app start is "
        f"`python main.py` for an app with the CA and no service ({app_start:.2f} s, median): "
        "Python, importing cdktf and starting its jsii kernel, which every CDKTF Python app "
        "pays before its first construct. A floor above the 1.5x target means no wrapper "
        "that synthesizes a CDKTF app and applies only a reviewed plan can meet it at that N."
    )
    return finish(seed), finish(plan), finish(add), finish(floors)


def measure_issuing(tools: Tools, startup: Startup, results: Results) -> Table:
    table = stamp(
        Table(
            "4-5. Issuing N services from scratch: ours vs the openssl recipe vs the floor",
            [
                "Keys",
                "N",
                "Ours: `internal-ca deploy --initial`",
                "provider start-up",
                "Plain module",
                "openssl recipe (sequential)",
                "Floor (`cryptography`, one process)",
                "Ours / recipe",
                "Ours / floor",
            ],
        )
    )
    for algorithm, size, label in ((RSA, 10, "RSA 4096"), (ECDSA, 100, "ECDSA P-256")):
        names = service_names(size)
        project = CdktfProject.create(_fresh(tools, f"issue-{size}"))
        project.write_app(names, algorithm)
        ours = deploy_ours(tools, project)
        plain = PlainProject.create(_fresh(tools, f"issue-plain-{size}"), algorithm)
        plain.write_services(names)
        init = tools.plain_terraform(plain, "plain-init", "init", "-input=false")
        apply = tools.plain_terraform(
            plain, "plain-apply", "apply", "-auto-approve", "-input=false"
        )
        recipe = tools.recipe(_fresh(tools, f"recipe-{size}"), render_script(size, algorithm))
        floor_run, floor_s = tools.floor(size, algorithm)
        results.issue[label] = (ours.wall_s, recipe.wall_s, floor_s, floor_run.wall_s)
        table.rows.append(
            [
                label,
                str(size),
                seconds(ours.wall_s),
                startup.share(ours),
                f"{seconds(init.wall_s + apply.wall_s)} (init {init.wall_s:.1f} s)",
                seconds(recipe.wall_s),
                f"{seconds(floor_s)} ({seconds(floor_run.wall_s)} with interpreter start)",
                ratio(ours.wall_s, recipe.wall_s),
                ratio(ours.wall_s, floor_s),
            ]
        )
        for folder in (project.root, plain.root, tools.work / f"recipe-{size}"):
            shutil.rmtree(folder)
    table.notes.append(
        "Each side issues the CA and then N services. Ours includes synth, `terraform init`, "
        "the summary, the guard and pinning the CA; the plain module's figure includes init "
        "too. The recipe runs one openssl command at a time (genrsa or ecparam, "
        "`req -config -new`, `x509 -req -extfile`), as in the origin document; Terraform runs "
        "up to 10 operations at once, all inside one stand-in process. RSA key generation "
        "time varies a lot from key to key, so the RSA row is noisy."
    )
    return finish(table)
