"""The app: one CA stack and its services. Add a service with one `ServiceCert(...)` line below."""

from cdktf import App

from ca_constructs.service_cert import ServiceCert
from ca_constructs.subject import DistinguishedName
from stacks.ca_stack import CaStack

app = App()

# The recipe's own site: the University of Cambridge's defaults from its [ dn ] section.
stack = CaStack(
    app,
    "internal-ca",
    ca_subject=DistinguishedName(
        country="GB",
        province="Cambridgeshire",
        locality="Cambridge",
        organization="University of Cambridge",
        common_name="Internal CA for the traffic manager",
    ),
)

# One line per service. The id ("passwords") names its addresses, outputs and files.
ServiceCert(stack, "passwords", ca=stack.ca, dns_names=["passwords.internal.example", "passwords"])

app.synth()
