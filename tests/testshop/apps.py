from django.apps import AppConfig


class TestshopConfig(AppConfig):
    name = "tests.testshop"
    label = "testshop"
