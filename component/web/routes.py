"""The web app's routes, added to the service app by ``component.service.app``.

Pages are listed here and nowhere else; each module under ``pages/`` holds their handlers.
"""

from __future__ import annotations

from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

from component.web import assets
from component.web.page import page
from component.web.pages import (
    connections,
    contacts,
    dashboard,
    events,
    invoices,
    login,
    optouts,
    playground,
    policy,
    review,
)

GET, POST = ["GET"], ["POST"]
GET_POST = ["GET", "POST"]


def routes() -> list[BaseRoute]:
    return [
        Route("/", page(dashboard.show), methods=GET),
        Route("/reminders/run", page(dashboard.run_now), methods=POST),
        Route("/login", page(login.login_form, public=True), methods=GET),
        Route("/login", page(login.login_submit, public=True), methods=POST),
        Route("/logout", page(login.logout), methods=POST),
        Route("/connections", page(connections.show), methods=GET),
        Route("/connections/xero", page(connections.connect_xero), methods=POST),
        Route(connections.CALLBACK_PATH, page(connections.xero_callback, public=True), methods=GET),
        Route("/connections/whatsapp", page(connections.connect_whatsapp), methods=POST),
        Route("/connections/check", page(connections.check), methods=POST),
        Route("/connections/organisation", page(connections.switch_org), methods=POST),
        Route("/connections/disconnect", page(connections.remove), methods=POST),
        Route("/contacts/{contactId}", page(contacts.show), methods=GET),
        Route("/contacts/{contactId}/optout", page(contacts.set_optout), methods=POST),
        Route("/contacts/{contactId}/phone", page(contacts.fix_phone), methods=POST),
        Route("/events", page(events.show), methods=GET_POST),
        Route("/events/replay", page(events.replay), methods=POST),
        Route("/invoices", page(invoices.index), methods=GET_POST),
        Route("/invoices/{invoiceId}", page(invoices.timeline), methods=GET),
        Route("/optouts", page(optouts.show), methods=GET_POST),
        Route("/optouts/add", page(optouts.add), methods=POST),
        Route("/optouts/remove", page(optouts.remove), methods=POST),
        Route("/policy", page(policy.show), methods=GET),
        Route("/policy", page(policy.submit), methods=POST),
        Route("/review", page(review.show), methods=GET_POST),
        Route("/review/settle", page(review.settle), methods=POST),
        Route("/review/reply", page(review.reviewed), methods=POST),
        Route("/playground", page(playground.index), methods=GET),
        Route("/playground/{key}", page(playground.action), methods=GET_POST),
        Mount("/static", app=StaticFiles(directory=assets.STATIC_DIR), name="static"),
    ]
