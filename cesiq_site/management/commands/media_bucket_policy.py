"""Print, or apply, the bucket policy that the uploads' bucket needs (S3_BUCKET, S3_PREFIX):
images readable by anyone, documents only through the site (cesiq_site/storage.py)."""

from django.core.files.storage import storages
from django.core.management.base import BaseCommand, CommandError

from cesiq_site.storage import MediaStorage, bucket_policy


class Command(BaseCommand):
    help = "Print the S3 bucket policy for the uploads (images public, documents not)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--apply",
            action="store_true",
            help="Put the policy on the bucket (creating the bucket if it does not exist).",
        )

    def handle(self, *args, apply=False, **options):
        storage = storages["default"]
        if not isinstance(storage, MediaStorage):
            raise CommandError("Uploads are on the local filesystem: set S3_BUCKET first.")
        policy = bucket_policy(storage.bucket_name, storage.location)
        if not apply:
            self.stdout.write(policy)
            return
        client = storage.connection.meta.client
        buckets = {bucket["Name"] for bucket in client.list_buckets().get("Buckets", [])}
        if storage.bucket_name not in buckets:
            create = {"Bucket": storage.bucket_name}
            region = storage.region_name
            if region and region != "us-east-1":
                create["CreateBucketConfiguration"] = {"LocationConstraint": region}
            client.create_bucket(**create)
            self.stdout.write(f"Bucket {storage.bucket_name} created.")
        client.put_bucket_policy(Bucket=storage.bucket_name, Policy=policy)
        self.stdout.write(f"Policy applied to {storage.bucket_name}: images public, documents not.")
