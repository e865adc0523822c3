from django.apps import AppConfig
from django.conf import settings
from django.core.checks import Error, Tags, register


class DevtoolsConfig(AppConfig):
    name = "devtools"
    label = "devtools"
    verbose_name = "Development tools"

    def ready(self):
        register(Tags.security)(devtools_only_in_development)


def devtools_only_in_development(app_configs, **kwargs):
    """The demo commands create a known administrator password: never with DEBUG off."""
    if settings.DEBUG or getattr(settings, "TESTING", False):
        return []
    return [
        Error(
            "The development tools (devtools) are installed while DEBUG is off.",
            hint="Only cesiq_site.settings.dev and .test may list 'devtools' in INSTALLED_APPS.",
            id="devtools.E001",
        )
    ]
