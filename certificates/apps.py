from django.apps import AppConfig


class CertificatesConfig(AppConfig):
    name = "certificates"
    verbose_name = "Policies and certificates"

    def ready(self):
        from wagtail.signals import published

        from .models import PolicyDocument
        from .services import store_published_version

        def store_version(sender, instance, revision=None, **kwargs):
            store_published_version(instance, revision)

        published.connect(store_version, sender=PolicyDocument, dispatch_uid="certificates.store_version", weak=False)
