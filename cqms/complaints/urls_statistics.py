from django.urls import path

from . import views_statistics

urlpatterns = [
    path("statistics/", views_statistics.statistics_page, name="statistics"),
    path("statistics/export/", views_statistics.statistics_export, name="statistics_export"),
    path("statistics/customers/", views_statistics.customer_search, name="statistics_customers"),
]
