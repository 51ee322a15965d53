import { DataTypes, Model, type CreationOptional, type InferAttributes, type InferCreationAttributes, type Sequelize } from 'sequelize';
import type { TicketCategory, TicketStatus } from '@ngn/shared';

export class SupportTicket extends Model<InferAttributes<SupportTicket>, InferCreationAttributes<SupportTicket>> {
  declare id: CreationOptional<string>;
  declare user_id: string;
  declare subject: string;
  declare category: TicketCategory;
  declare status: CreationOptional<TicketStatus>;
  declare assignee_id: CreationOptional<string | null>;
  declare created_at: CreationOptional<Date>;
  declare updated_at: CreationOptional<Date>;

  static initModel(sequelize: Sequelize) {
    SupportTicket.init(
      {
        id: { type: DataTypes.UUID, primaryKey: true, defaultValue: DataTypes.UUIDV4 },
        user_id: { type: DataTypes.UUID, allowNull: false },
        subject: { type: DataTypes.TEXT, allowNull: false },
        category: { type: DataTypes.TEXT, allowNull: false },
        status: { type: DataTypes.TEXT, allowNull: false, defaultValue: 'open' },
        assignee_id: { type: DataTypes.UUID, allowNull: true },
        created_at: DataTypes.DATE,
        updated_at: DataTypes.DATE,
      },
      { sequelize, tableName: 'support_tickets' },
    );
  }
}

export type MessageAuthorRole = 'user' | 'staff';

export class SupportMessage extends Model<InferAttributes<SupportMessage>, InferCreationAttributes<SupportMessage>> {
  declare id: CreationOptional<string>;
  declare ticket_id: string;
  declare author_id: string | null;
  declare author_role: MessageAuthorRole;
  declare body: string;
  declare created_at: CreationOptional<Date>;

  static initModel(sequelize: Sequelize) {
    SupportMessage.init(
      {
        id: { type: DataTypes.UUID, primaryKey: true, defaultValue: DataTypes.UUIDV4 },
        ticket_id: { type: DataTypes.UUID, allowNull: false },
        author_id: { type: DataTypes.UUID, allowNull: true },
        author_role: { type: DataTypes.TEXT, allowNull: false },
        body: { type: DataTypes.TEXT, allowNull: false },
        created_at: DataTypes.DATE,
      },
      { sequelize, tableName: 'support_messages', updatedAt: false },
    );
  }
}
