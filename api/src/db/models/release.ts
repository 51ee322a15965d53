import { DataTypes, Model, type CreationOptional, type InferAttributes, type InferCreationAttributes, type Sequelize } from 'sequelize';
import type { ReleaseChannel, ReleasePlatform, ReleaseProduct } from '@ngn/shared';

export class Release extends Model<InferAttributes<Release>, InferCreationAttributes<Release>> {
  declare id: CreationOptional<string>;
  declare product: ReleaseProduct;
  declare version: string;
  declare platform: ReleasePlatform;
  declare channel: ReleaseChannel;
  declare file_name: string;
  /** bigint in SQL; Sequelize returns it as a string, so read it through Number(). */
  declare file_size: number | string;
  declare sha256: string;
  declare sha512: string | null;
  declare signature: string;
  declare signature_kid: string;
  declare storage_key: string | null;
  declare external_url: string | null;
  declare blockmap_key: CreationOptional<string | null>;
  declare blockmap_size: CreationOptional<number | string | null>;
  declare blockmap_sha256: CreationOptional<string | null>;
  declare release_notes: string;
  declare release_date: Date;
  declare min_os_version: string | null;
  declare staging_percentage: number;
  declare yanked_at: CreationOptional<Date | null>;
  declare yank_reason: CreationOptional<string | null>;
  declare created_by: string | null;
  declare created_by_api_key_id: string | null;
  declare created_at: CreationOptional<Date>;
  declare updated_at: CreationOptional<Date>;

  static initModel(sequelize: Sequelize) {
    Release.init(
      {
        id: { type: DataTypes.UUID, primaryKey: true, defaultValue: DataTypes.UUIDV4 },
        product: { type: DataTypes.TEXT, allowNull: false },
        version: { type: DataTypes.TEXT, allowNull: false },
        platform: { type: DataTypes.TEXT, allowNull: false },
        channel: { type: DataTypes.TEXT, allowNull: false },
        file_name: { type: DataTypes.TEXT, allowNull: false },
        file_size: { type: DataTypes.BIGINT, allowNull: false },
        sha256: { type: DataTypes.TEXT, allowNull: false },
        sha512: DataTypes.TEXT,
        signature: { type: DataTypes.TEXT, allowNull: false },
        signature_kid: { type: DataTypes.TEXT, allowNull: false },
        storage_key: DataTypes.TEXT,
        external_url: DataTypes.TEXT,
        blockmap_key: DataTypes.TEXT,
        blockmap_size: DataTypes.BIGINT,
        blockmap_sha256: DataTypes.TEXT,
        release_notes: { type: DataTypes.TEXT, allowNull: false },
        release_date: { type: DataTypes.DATE, allowNull: false },
        min_os_version: DataTypes.TEXT,
        staging_percentage: { type: DataTypes.SMALLINT, allowNull: false },
        yanked_at: DataTypes.DATE,
        yank_reason: DataTypes.TEXT,
        created_by: DataTypes.UUID,
        created_by_api_key_id: DataTypes.UUID,
        created_at: DataTypes.DATE,
        updated_at: DataTypes.DATE,
      },
      { sequelize, tableName: 'releases' },
    );
  }
}
